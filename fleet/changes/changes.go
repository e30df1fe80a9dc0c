// Package changes is the fleet's in-process change bus: whoever changes
// state publishes what changed, and the agent hub, the live pages and the
// visitor-session service subscribe, instead of polling the database.
package changes

import (
	"fmt"
	"sync"
	"sync/atomic"
)

// Kind says what changed.
type Kind uint8

// Kinds of change. A change names what changed, never its new value:
// subscribers read the current state themselves, which is what lets
// equal changes coalesce.
const (
	// TerminalChanged: a terminal's state, health, presence or metadata
	// (Terminal, Branch when known).
	TerminalChanged Kind = iota + 1
	// TerminalRevoked: a terminal's token no longer admits it (Terminal).
	TerminalRevoked
	// CommandQueued: a command waits for its terminal (Terminal, Command).
	CommandQueued
	// CommandUpdated: a command was delivered, done, failed or expired
	// (Terminal, Command).
	CommandUpdated
	// PolicyChanged: a policy layer was applied (Scope: "fleet",
	// "branch:ID" or "terminal:ID").
	PolicyChanged
	// ReservationsChanged: a terminal's reservations changed (Terminal);
	// no Terminal means any terminal's may have.
	ReservationsChanged
	// HelpChanged: a help request was opened, claimed, released, written
	// to or closed (Branch, Terminal when it has one, Item: the request
	// id), or a volunteer went on or off duty (Branch only).
	HelpChanged
	// SignageChanged: signage content or schedules changed (Branch).
	SignageChanged
	// AlertsChanged: an alert opened, closed or was acknowledged (Branch
	// and Terminal when known).
	AlertsChanged
	// ReleasesChanged: a signed release was added (no fields).
	ReleasesChanged
	// RolloutChanged: a rollout was started, paused, resumed or rolled
	// back, or a terminal moved on in it (Scope: "rollout:ID", Terminal
	// when one terminal moved).
	RolloutChanged

	maxKind
)

var kindNames = [...]string{
	TerminalChanged:     "terminal_changed",
	TerminalRevoked:     "terminal_revoked",
	CommandQueued:       "command_queued",
	CommandUpdated:      "command_updated",
	PolicyChanged:       "policy_changed",
	ReservationsChanged: "reservations_changed",
	HelpChanged:         "help_changed",
	SignageChanged:      "signage_changed",
	AlertsChanged:       "alerts_changed",
	ReleasesChanged:     "releases_changed",
	RolloutChanged:      "rollout_changed",
}

func (k Kind) String() string {
	if k > 0 && k < maxKind {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", k)
}

// Change is one thing that changed. It is comparable, so equal changes
// still waiting for a subscriber are kept once.
type Change struct {
	Kind     Kind
	Terminal string // terminal id
	Branch   string // branch id, when known
	Command  string // command id
	Scope    string // policy scope
	Item     string // the changed item of kinds that name one (a help request)
}

// Publisher takes changes; *Bus is one. Domain code depends on this, not
// on the bus.
type Publisher interface {
	Publish(Change)
}

// Discard is a Publisher for code running without a server (the CLI on
// the data directory): nobody is listening.
var Discard Publisher = discard{}

type discard struct{}

func (discard) Publish(Change) {}

// DefaultLimit is how many distinct changes a subscription holds before
// it falls behind.
const DefaultLimit = 1 << 16

// Bus delivers published changes to its subscriptions. The zero value is
// ready to use.
type Bus struct {
	mu        sync.RWMutex
	subs      map[*Subscription]struct{}
	published [maxKind]atomic.Uint64
}

// Publish hands c to every subscription that wants its kind. It never
// waits for a subscriber: each subscription queues (and coalesces) on its
// own, and one that falls behind is told so instead of stalling Publish.
func (b *Bus) Publish(c Change) {
	if c.Kind > 0 && c.Kind < maxKind {
		b.published[c.Kind].Add(1)
	}
	b.mu.RLock()
	for s := range b.subs {
		if s.kinds&(1<<c.Kind) != 0 {
			s.add(c)
		}
	}
	b.mu.RUnlock()
}

// Published returns how many changes of a kind were published so far. A
// cache of derived state records it when it loads and reloads when it
// moved: a change published before a read is then never missed, even
// before a subscriber has taken it.
func (b *Bus) Published(k Kind) uint64 {
	if k == 0 || k >= maxKind {
		return 0
	}
	return b.published[k].Load()
}

// Subscribe returns a subscription to the given kinds (all kinds when
// none are named) holding at most DefaultLimit distinct changes.
func (b *Bus) Subscribe(kinds ...Kind) *Subscription {
	return b.SubscribeLimit(DefaultLimit, kinds...)
}

// SubscribeLimit is Subscribe with a bound on the distinct changes held.
func (b *Bus) SubscribeLimit(limit int, kinds ...Kind) *Subscription {
	var mask uint32
	for _, k := range kinds {
		mask |= 1 << k
	}
	if len(kinds) == 0 {
		mask = ^uint32(0)
	}
	s := &Subscription{bus: b, kinds: mask, limit: max(limit, 1),
		ready: make(chan struct{}, 1), pending: map[Change]struct{}{}}
	b.mu.Lock()
	if b.subs == nil {
		b.subs = map[*Subscription]struct{}{}
	}
	b.subs[s] = struct{}{}
	b.mu.Unlock()
	return s
}

// Subscription is one subscriber's queue of changes.
type Subscription struct {
	bus   *Bus
	kinds uint32
	limit int
	ready chan struct{}

	mu      sync.Mutex
	order   []Change
	pending map[Change]struct{}
	behind  bool
}

func (s *Subscription) add(c Change) {
	s.mu.Lock()
	switch _, dup := s.pending[c]; {
	case dup, s.behind:
		// Already waiting, or the subscriber will resync anyway.
	case len(s.order) >= s.limit:
		// Fallen behind: drop what is queued and say so once, so a stuck
		// subscriber costs bounded memory and the publisher nothing.
		s.behind = true
		s.order = nil
		clear(s.pending)
	default:
		s.order = append(s.order, c)
		s.pending[c] = struct{}{}
	}
	s.mu.Unlock()
	select {
	case s.ready <- struct{}{}:
	default: // a wake-up is already pending
	}
}

// Ready receives a value when changes may be waiting; then call Take.
func (s *Subscription) Ready() <-chan struct{} { return s.ready }

// Take returns the changes waiting, oldest first, each distinct change
// once. behind is true when the subscription overflowed since the last
// Take: changes were dropped, and the subscriber must reload whatever it
// keeps from the store as if everything had changed.
func (s *Subscription) Take() (cs []Change, behind bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cs, behind = s.order, s.behind
	s.order, s.behind = nil, false
	clear(s.pending)
	return cs, behind
}

// Close ends the subscription; changes published later are not kept.
func (s *Subscription) Close() {
	s.bus.mu.Lock()
	delete(s.bus.subs, s)
	s.bus.mu.Unlock()
}
