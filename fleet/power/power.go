// Package power is the fleet's side of the power schedules: it wakes a
// branch's terminals before opening through an awake neighbour (the fleet
// is not on the branch network; the neighbour sends the Wake-on-LAN
// packets), and reports the hours terminals spent off on their schedule.
// Terminals shut themselves down after closing (agent/daemon).
package power

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"piste/fleet/audit"
	"piste/fleet/auth"
	"piste/fleet/changes"
	"piste/fleet/fault"
	"piste/fleet/protocol"
	"piste/fleet/staff"
	"piste/fleet/store"
	"piste/policies/policy"
)

// Store is the part of the store the power schedule uses.
type Store interface {
	Branches(ctx context.Context) ([]store.Branch, error)
	Branch(ctx context.Context, id string) (store.Branch, error)
	PolicyLayersFor(ctx context.Context, scopes ...string) (map[string]store.PolicyLayer, error)
	WakeTargets(ctx context.Context, branch string) ([]store.WakeTarget, error)
	AddCommand(ctx context.Context, c store.Command) error
	PowerSavedByBranch(ctx context.Context, from, to time.Time) ([]store.PowerSaved, error)
}

// Links says which terminals have a live connection (the hub).
type Links interface {
	Online(id string) (bool, time.Time)
}

// wakeTTL is how long a wake command waits for its relay: after that the
// opening it was for is near or past.
const wakeTTL = 30 * time.Minute

// Service wakes branches and reports hours saved.
type Service struct {
	Store   Store
	Links   Links
	Audit   *audit.Log
	Changes changes.Publisher
	Now     func() time.Time

	mu    sync.Mutex
	woken map[string]time.Time // branch → the opening last woken for
}

// New returns a Service.
func New(st Store, links Links, log *audit.Log) *Service {
	return &Service{Store: st, Links: links, Audit: log, Changes: changes.Discard, Now: time.Now, woken: map[string]time.Time{}}
}

// Wake is what one wake did: the relay chosen and the terminals it wakes.
type Wake struct {
	Branch  string   `json:"branch"`
	Relay   string   `json:"relay"`
	Targets []string `json:"targets"`
	Command string   `json:"command"`
}

// ErrNoRelay is returned when no terminal of the branch is awake to send
// the packets.
var ErrNoRelay = errors.New("no terminal of the branch is online to relay the wake-up")

// WakeBranch has an online terminal of the branch wake its offline
// neighbours now, on an admin's request.
func (s *Service) WakeBranch(ctx context.Context, m staff.Member, branch string) (Wake, error) {
	if err := m.Need(staff.RoleAdmin); err != nil {
		return Wake{}, err
	}
	if !m.CanSee(branch) {
		return Wake{}, fault.NotFound("no branch %q", branch)
	}
	if _, err := s.Store.Branch(ctx, branch); errors.Is(err, store.ErrNotFound) {
		return Wake{}, fault.NotFound("no branch %q", branch)
	} else if err != nil {
		return Wake{}, fmt.Errorf("power: branch %s: %w", branch, err)
	}
	w, err := s.wake(ctx, branch, m.Name)
	if errors.Is(err, ErrNoRelay) {
		return w, fault.Conflict("branch %s: %v; start one PC by hand and try again", branch, err)
	}
	return w, err
}

// wake queues one wake command for the branch; by names who asked (the
// schedule or an admin) in the command and the audit log.
func (s *Service) wake(ctx context.Context, branch, by string) (Wake, error) {
	ts, err := s.Store.WakeTargets(ctx, branch)
	if err != nil {
		return Wake{}, fmt.Errorf("power: terminals of %s: %w", branch, err)
	}
	w := Wake{Branch: branch, Targets: []string{}}
	var macs []net.HardwareAddr
	for _, t := range ts {
		if on, _ := s.Links.Online(t.ID); on {
			if w.Relay == "" {
				w.Relay = t.ID
			}
			continue
		}
		mac, err := protocol.ParseMAC(t.MAC)
		if err != nil {
			continue // never reported one: cannot be woken
		}
		macs = append(macs, mac)
		w.Targets = append(w.Targets, t.ID)
	}
	if len(macs) == 0 {
		return w, nil // everyone is up, or no one can be woken
	}
	if w.Relay == "" {
		return w, ErrNoRelay
	}
	now := s.Now()
	cmd := store.Command{ID: "c-" + auth.NewID(8), TerminalID: w.Relay, Type: protocol.CommandWake,
		Text: protocol.FormatWake(macs), Status: store.CommandQueued, CreatedBy: by, CreatedAt: now, ExpiresAt: now.Add(wakeTTL)}
	if err := s.Store.AddCommand(ctx, cmd); err != nil {
		return w, fmt.Errorf("power: queue wake for %s: %w", branch, err)
	}
	w.Command = cmd.ID
	if err := s.Audit.Record(ctx, by, "power-wake", "branch:"+branch, fmt.Sprintf("relay %s wakes %v", w.Relay, w.Targets)); err != nil {
		return w, err
	}
	s.Changes.Publish(changes.Change{Kind: changes.CommandQueued, Terminal: w.Relay, Branch: branch, Command: cmd.ID})
	return w, nil
}

// Tick wakes each branch whose power schedule is on and whose next opening
// is within its wake_before_opening_minutes, once per opening (again on a
// later tick when no relay was online).
func (s *Service) Tick(ctx context.Context) error {
	branches, err := s.Store.Branches(ctx)
	if err != nil {
		return fmt.Errorf("power: branches: %w", err)
	}
	now := s.Now()
	var errs []error
	for _, b := range branches {
		p, err := s.branchPolicy(ctx, b.ID)
		if err != nil || !p.Power.Enabled {
			continue // an invalid branch policy is the policy page's to report
		}
		next, ok := p.Hours.NextOpening(now)
		if !ok || !next.After(now) || now.Before(next.Add(-time.Duration(p.Power.WakeBeforeOpeningMinutes)*time.Minute)) {
			continue
		}
		s.mu.Lock()
		done := s.woken[b.ID].Equal(next)
		s.mu.Unlock()
		if done {
			continue
		}
		if _, err := s.wake(ctx, b.ID, "power-schedule"); err != nil {
			if !errors.Is(err, ErrNoRelay) {
				errs = append(errs, err)
			}
			continue
		}
		s.mu.Lock()
		s.woken[b.ID] = next
		s.mu.Unlock()
	}
	return errors.Join(errs...)
}

// Run ticks every interval until ctx ends.
func (s *Service) Run(ctx context.Context, every time.Duration, onErr func(error)) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if err := s.Tick(ctx); err != nil && onErr != nil {
			onErr(err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// branchPolicy is the fleet's and the branch's layers merged: what every
// terminal of the branch runs under unless its own layer says otherwise.
func (s *Service) branchPolicy(ctx context.Context, branch string) (policy.Policy, error) {
	stored, err := s.Store.PolicyLayersFor(ctx, "fleet", "branch:"+branch)
	if err != nil {
		return policy.Policy{}, err
	}
	var layers []policy.Layer
	for _, sc := range []string{"fleet", "branch:" + branch} {
		l, err := policy.Parse([]byte(stored[sc].YAML))
		if err != nil {
			return policy.Policy{}, err
		}
		layers = append(layers, l)
	}
	return policy.Resolve(layers...)
}

// Saved returns the hours the terminals m sees were off on their schedule,
// by branch, for spans that began in [from, to).
func (s *Service) Saved(ctx context.Context, m staff.Member, from, to time.Time) ([]store.PowerSaved, error) {
	if err := m.Need(staff.RoleAdmin); err != nil {
		return nil, err
	}
	all, err := s.Store.PowerSavedByBranch(ctx, from, to)
	if err != nil {
		return nil, fmt.Errorf("power: hours saved: %w", err)
	}
	out := []store.PowerSaved{}
	for _, p := range all {
		if m.CanSee(p.Branch) {
			out = append(out, p)
		}
	}
	return out, nil
}
