// Package signage is the agent's info-screen side: it keeps the content
// the fleet's manifest names in a verified cache within a disk budget,
// swaps manifests atomically once everything is there, evaluates the
// schedules by the local clock (so a screen plays on for days without the
// fleet), shows urgent notices over everything, and reports proof of play
// through the outbox. The kiosk UI renders what Status says.
package signage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"
	_ "time/tzdata" // screens on systems without a zone database keep local time

	"piste/agent/link"
	"piste/agent/localapi"
	"piste/fleet/protocol"
)

// DefaultBudget is the disk a screen's content may take.
const DefaultBudget = 2 << 30

// Config sets up a screen's signage.
type Config struct {
	// Dir holds the cache and the active manifest (the state dir's signage).
	Dir     string
	Budget  int64
	Fetcher *Fetcher
	// Emit appends an event to the durable outbox.
	Emit func(kind string, data any)
	// Publish is told every change of what the screen shows.
	Publish func(localapi.Signage)
	Log     *slog.Logger
	Now     func() time.Time
	Backoff *link.Backoff
	// Tick is how often the schedule is evaluated (default 250 ms).
	Tick time.Duration
}

// Agent runs a screen's signage.
type Agent struct {
	cfg   Config
	cache Cache
	wake  chan struct{} // sync
	poke  chan struct{} // play

	mu       sync.Mutex
	active   protocol.Manifest
	target   *protocol.Manifest
	notices  []protocol.UrgentNotice
	live     *protocol.LiveData
	syncErr  string
	cur      *playing
	status   localapi.Signage
	verified map[string]bool // digests hashed since the last fetch
	shot     *shotWait       // a screenshot being waited for
}

type playing struct {
	schedule string
	list     *protocol.ManifestPlaylist
	index    int
	item     protocol.ManifestItem
	since    time.Time
	seconds  int
}

const (
	activeFile  = "manifest.json"
	pendingFile = "pending.json"
	noticesFile = "notices.json"
	liveFile    = "live.json"
)

// Open loads what the screen played last, verifying its cached files:
// a damaged one is removed, and the active manifest is fetched again.
func Open(cfg Config) (*Agent, error) {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Budget <= 0 {
		cfg.Budget = DefaultBudget
	}
	if cfg.Backoff == nil {
		cfg.Backoff = &link.Backoff{Base: time.Second, Max: 5 * time.Minute}
	}
	if cfg.Tick <= 0 {
		cfg.Tick = 250 * time.Millisecond
	}
	if cfg.Emit == nil {
		cfg.Emit = func(string, any) {}
	}
	if cfg.Publish == nil {
		cfg.Publish = func(localapi.Signage) {}
	}
	if err := os.MkdirAll(filepath.Join(cfg.Dir, "content"), 0o755); err != nil {
		return nil, fmt.Errorf("signage: %w", err)
	}
	a := &Agent{cfg: cfg, cache: Cache{Dir: filepath.Join(cfg.Dir, "content"), Budget: cfg.Budget},
		wake: make(chan struct{}, 1), poke: make(chan struct{}, 1), verified: map[string]bool{}}
	var m protocol.Manifest
	if err := a.load(activeFile, &m); err == nil && m.Validate() == nil {
		a.active = m
	}
	var pending protocol.Manifest
	if err := a.load(pendingFile, &pending); err == nil && pending.Validate() == nil {
		a.target = &pending
	}
	var ns protocol.UrgentNotices
	if a.load(noticesFile, &ns) == nil {
		a.notices = ns.Notices
	}
	var live protocol.LiveData
	if a.load(liveFile, &live) == nil {
		a.live = &live
	}
	for sum := range need(a.active) {
		if _, ok := a.cache.Path(sum); ok && !a.cache.Verify(sum) {
			cfg.Log.Warn("signage: a cached file was damaged; fetching it again", "sha256", sum)
		}
	}
	if a.target == nil && !a.complete(a.active) {
		t := a.active
		a.target = &t
	}
	a.status = localapi.Signage{Manifest: a.active.ID, BudgetBytes: cfg.Budget}
	return a, nil
}

func (a *Agent) load(name string, v any) error {
	raw, err := os.ReadFile(filepath.Join(a.cfg.Dir, name))
	if err != nil {
		return err
	}
	return json.Unmarshal(raw, v)
}

// save writes a file whole or not at all: a power cut leaves the old one.
func (a *Agent) save(name string, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	path := filepath.Join(a.cfg.Dir, name)
	tmp, err := os.CreateTemp(a.cfg.Dir, "."+name+"-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(raw); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func (a *Agent) complete(m protocol.Manifest) bool {
	for sum := range need(m) {
		if _, ok := a.cache.Path(sum); !ok {
			return false
		}
	}
	return true
}

func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// SetManifest takes a manifest from the fleet. A bad one is refused whole;
// the active one plays on until the new one's content is all here.
func (a *Agent) SetManifest(m protocol.Manifest) error {
	if err := m.Validate(); err != nil {
		return fmt.Errorf("signage: manifest refused: %w", err)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if m.ID == a.active.ID && a.complete(m) {
		a.target = nil
		os.Remove(filepath.Join(a.cfg.Dir, pendingFile))
		a.cfg.Emit(protocol.EventSignageStatus, a.report())
		return nil
	}
	a.target = &m
	if err := a.save(pendingFile, m); err != nil {
		a.cfg.Log.Warn("signage: save pending manifest", "err", err)
	}
	a.status.Pending = m.ID
	a.publish()
	signal(a.wake)
	return nil
}

// SetNotices replaces the urgent notices; they show at once.
func (a *Agent) SetNotices(n protocol.UrgentNotices) {
	a.mu.Lock()
	a.notices = n.Notices
	if err := a.save(noticesFile, n); err != nil {
		a.cfg.Log.Warn("signage: save notices", "err", err)
	}
	a.evaluate(a.cfg.Now())
	a.cfg.Emit(protocol.EventSignageStatus, a.report())
	a.mu.Unlock()
}

// SetLive takes the fleet's live data for live slides.
func (a *Agent) SetLive(d protocol.LiveData) {
	a.mu.Lock()
	a.live = &d
	if err := a.save(liveFile, d); err != nil {
		a.cfg.Log.Warn("signage: save live data", "err", err)
	}
	if a.cur != nil && a.status.NowPlaying != nil && a.cur.item.Kind == protocol.ContentLive {
		np := *a.status.NowPlaying
		np.LiveData = &d
		a.status.NowPlaying = &np
		a.publish()
	}
	a.mu.Unlock()
	signal(a.poke)
}

// report is the status event: what is active and which notices are known.
func (a *Agent) report() protocol.SignageStatus {
	st := protocol.SignageStatus{Manifest: a.active.ID}
	for _, n := range a.notices {
		st.Notices = append(st.Notices, n.ID)
	}
	return st
}

// Status returns what the screen shows now.
func (a *Agent) Status() localapi.Signage {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.status
}

func (a *Agent) publish() {
	a.status.Manifest = a.active.ID
	a.status.BranchName = a.active.BranchName
	a.status.TZ = a.active.TZ
	a.status.SyncError = a.syncErr
	a.cfg.Publish(a.status)
}

// Run syncs and plays until ctx ends.
func (a *Agent) Run(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); a.syncLoop(ctx) }()
	go func() { defer wg.Done(); a.playLoop(ctx) }()
	wg.Wait()
}

// syncLoop fetches the pending manifest's content, retrying with backoff
// until it is all here, whether or not a newer manifest arrives meanwhile.
func (a *Agent) syncLoop(ctx context.Context) {
	for {
		a.mu.Lock()
		target := a.target
		a.mu.Unlock()
		if target == nil {
			select {
			case <-ctx.Done():
				return
			case <-a.wake:
				continue
			}
		}
		err := a.syncOnce(ctx, *target)
		if ctx.Err() != nil {
			return
		}
		a.mu.Lock()
		a.syncErr = errString(err)
		a.status.CacheBytes = a.cache.Used()
		a.publish()
		a.mu.Unlock()
		if err == nil {
			a.cfg.Backoff.Reset()
			continue
		}
		a.cfg.Log.Warn("signage: sync; retrying", "err", err)
		if errors.Is(err, ErrOverBudget) {
			// Retrying cannot help: wait for another manifest.
			a.mu.Lock()
			if a.target != nil && a.target.ID == target.ID {
				a.target = nil
			}
			a.mu.Unlock()
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(a.cfg.Backoff.Next()):
		case <-a.wake:
		}
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func (a *Agent) syncOnce(ctx context.Context, m protocol.Manifest) error {
	want := need(m)
	var total int64
	for _, size := range want {
		total += size
	}
	if total > a.cfg.Budget {
		return fmt.Errorf("%w: %d bytes needed, %d allowed", ErrOverBudget, total, a.cfg.Budget)
	}
	a.mu.Lock()
	keep := need(a.active)
	a.mu.Unlock()
	for sum := range want {
		keep[sum] = want[sum]
	}
	a.cache.Prune(boolSet(keep))
	if a.cache.Used()+missing(a, want) > a.cfg.Budget {
		// Both manifests do not fit: the new one's content takes the room.
		a.cache.Prune(boolSet(want))
	}
	if a.cfg.Fetcher == nil {
		return errors.New("signage: no fleet to fetch from")
	}
	for sum, size := range want {
		if err := a.cache.Fetch(ctx, a.cfg.Fetcher, sum, size); err != nil {
			return err
		}
	}
	return a.swap(m)
}

func boolSet[V any](m map[string]V) map[string]bool {
	out := make(map[string]bool, len(m))
	for k := range m {
		out[k] = true
	}
	return out
}

func missing(a *Agent, want map[string]int64) int64 {
	var n int64
	for sum, size := range want {
		if _, ok := a.cache.Path(sum); !ok {
			n += size
		}
	}
	return n
}

// swap makes m the active manifest: written whole, then renamed over the
// old one, so a power cut leaves one or the other.
func (a *Agent) swap(m protocol.Manifest) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.complete(m) {
		return errors.New("signage: content vanished before the swap")
	}
	if err := a.save(activeFile, m); err != nil {
		return fmt.Errorf("signage: save manifest: %w", err)
	}
	a.active = m
	if a.target != nil && a.target.ID == m.ID {
		a.target = nil
		os.Remove(filepath.Join(a.cfg.Dir, pendingFile))
		a.status.Pending = ""
	}
	a.cache.Prune(boolSet(need(m)))
	a.cur = nil // the new manifest starts from its first item
	a.cfg.Emit(protocol.EventSignageStatus, a.report())
	a.evaluate(a.cfg.Now())
	return nil
}

// playLoop evaluates the schedule on every tick and on every change.
func (a *Agent) playLoop(ctx context.Context) {
	t := time.NewTicker(a.cfg.Tick)
	defer t.Stop()
	a.mu.Lock()
	a.cfg.Emit(protocol.EventSignageStatus, a.report())
	a.evaluate(a.cfg.Now())
	a.mu.Unlock()
	for {
		select {
		case <-ctx.Done():
			a.mu.Lock()
			a.end(a.cfg.Now())
			a.mu.Unlock()
			return
		case <-t.C:
		case <-a.poke:
		}
		a.mu.Lock()
		a.evaluate(a.cfg.Now())
		a.mu.Unlock()
	}
}

// HandleNotice takes a signage notice frame and reports whether it was one.
func (a *Agent) HandleNotice(n protocol.Notice) bool {
	var err error
	switch n.Kind {
	case protocol.NoticeSignageManifest:
		var m protocol.Manifest
		if err = json.Unmarshal(n.Data, &m); err == nil {
			err = a.SetManifest(m)
		}
	case protocol.NoticeSignageNotices:
		var ns protocol.UrgentNotices
		if err = json.Unmarshal(n.Data, &ns); err == nil {
			a.SetNotices(ns)
		}
	case protocol.NoticeSignageLive:
		var d protocol.LiveData
		if err = json.Unmarshal(n.Data, &d); err == nil {
			a.SetLive(d)
		}
	default:
		return false
	}
	if err != nil {
		a.cfg.Log.Warn("signage: notice ignored; the screen keeps what it had", "kind", n.Kind, "err", err)
	}
	return true
}
