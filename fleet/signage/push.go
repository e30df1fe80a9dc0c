package signage

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"time"

	"piste/fleet/changes"
	"piste/fleet/protocol"
	"piste/fleet/store"
)

// Link reaches connected terminals (the hub).
type Link interface {
	Send(terminalID, typ string, body any) bool
	OnlineIDs() []string
}

// Pusher keeps every online screen's manifest, notices and live data
// current: on connect, and whenever signage or a terminal changes.
type Pusher struct {
	Service *Service
	Link    Link
	Live    *Live
	Log     *slog.Logger
	// Refresh is how often live data and notice expiry are rechecked
	// without a change (default 15 s).
	Refresh time.Duration

	mu   sync.Mutex
	snap *Snapshot
	sent map[string]sent // by terminal id
}

type sent struct{ manifest, notices, live string }

func (p *Pusher) snapshot(ctx context.Context, reload bool) (*Snapshot, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.snap != nil && !reload {
		return p.snap, nil
	}
	snap, err := p.Service.Snapshot(ctx)
	if err != nil {
		return nil, err
	}
	p.snap = snap
	return snap, nil
}

// Connected sends a screen that just connected everything it plays.
func (p *Pusher) Connected(ctx context.Context, t store.Terminal) {
	if t.Kind != string(protocol.KindScreen) {
		return
	}
	p.mu.Lock()
	delete(p.sent, t.ID)
	p.mu.Unlock()
	snap, err := p.snapshot(ctx, false)
	if err != nil {
		p.Log.Warn("signage snapshot", "err", err)
		return
	}
	p.push(ctx, snap, t, p.liveFor(ctx, t, map[string]*protocol.LiveData{}))
}

// push sends what differs from what the screen last got.
func (p *Pusher) push(ctx context.Context, snap *Snapshot, t store.Terminal, live *protocol.LiveData) {
	p.pushNotices(snap, t)
	m := snap.manifestFor(t)
	var lraw []byte
	if live != nil {
		lraw, _ = json.Marshal(live)
	}
	p.mu.Lock()
	if p.sent == nil {
		p.sent = map[string]sent{}
	}
	was := p.sent[t.ID]
	now := was
	now.manifest, now.live = m.ID, string(lraw)
	p.sent[t.ID] = now
	p.mu.Unlock()
	if was.manifest != now.manifest {
		raw, _ := json.Marshal(m)
		p.Link.Send(t.ID, protocol.TypeNotice, protocol.Notice{Kind: protocol.NoticeSignageManifest, Data: raw})
	}
	if lraw != nil && was.live != now.live {
		p.Link.Send(t.ID, protocol.TypeNotice, protocol.Notice{Kind: protocol.NoticeSignageLive, Data: lraw})
	}
}

// pushNotices sends a screen its notices when they changed.
func (p *Pusher) pushNotices(snap *Snapshot, t store.Terminal) {
	nraw, _ := json.Marshal(snap.Notices(t))
	p.mu.Lock()
	if p.sent == nil {
		p.sent = map[string]sent{}
	}
	was := p.sent[t.ID]
	changed := was.notices != string(nraw)
	was.notices = string(nraw)
	p.sent[t.ID] = was
	p.mu.Unlock()
	if changed {
		p.Link.Send(t.ID, protocol.TypeNotice, protocol.Notice{Kind: protocol.NoticeSignageNotices, Data: nraw})
	}
}

// liveFor computes a branch's live data once per round.
func (p *Pusher) liveFor(ctx context.Context, t store.Terminal, cache map[string]*protocol.LiveData) *protocol.LiveData {
	if p.Live == nil {
		return nil
	}
	if d, ok := cache[t.Branch]; ok {
		return d
	}
	d, err := p.Live.Data(ctx, t)
	if err != nil {
		p.Log.Warn("signage live data", "branch", t.Branch, "err", err)
		cache[t.Branch] = nil
		return nil
	}
	d.At = time.Time{} // so equal data is not resent for its time alone
	cache[t.Branch] = &d
	return &d
}

// Run pushes changes until ctx ends.
func (p *Pusher) Run(ctx context.Context, bus *changes.Bus) { p.run(ctx, p.subscribe(bus)) }

// Start subscribes to the bus before it returns, so no change published
// after it is missed, and pushes changes in the background until ctx
// ends; the channel closes then.
func (p *Pusher) Start(ctx context.Context, bus *changes.Bus) <-chan struct{} {
	sub := p.subscribe(bus)
	done := make(chan struct{})
	go func() { defer close(done); p.run(ctx, sub) }()
	return done
}

func (p *Pusher) subscribe(bus *changes.Bus) *changes.Subscription {
	return bus.Subscribe(changes.SignageChanged, changes.TerminalChanged, changes.PolicyChanged,
		changes.HelpChanged) // a volunteer going on or off duty moves the live support slide
}

func (p *Pusher) run(ctx context.Context, sub *changes.Subscription) {
	defer sub.Close()
	refresh := p.Refresh
	if refresh <= 0 {
		refresh = 15 * time.Second
	}
	tick := time.NewTicker(refresh)
	defer tick.Stop()
	for {
		reload := false
		select {
		case <-ctx.Done():
			return
		case <-sub.Ready():
			reload = needsReload(sub.Take())
			if !reload {
				// Terminal changes move live data only: gather a burst,
				// unless signage changes meanwhile, which goes out at once.
				reload = p.gather(ctx, sub)
			}
		case <-tick.C:
			reload = true // notices expire, date ranges end
		}
		p.pushAll(ctx, reload)
	}
}

func (p *Pusher) pushAll(ctx context.Context, reload bool) {
	snap, err := p.snapshot(ctx, reload)
	if err != nil {
		if ctx.Err() == nil {
			p.Log.Warn("signage snapshot", "err", err)
		}
		return
	}
	// Only screens: a round runs up to twice a second, and reading every
	// PC of a large fleet each time would cost more than the push.
	all, err := p.Service.Store.TerminalsOfKind(ctx, string(protocol.KindScreen))
	if err != nil {
		if ctx.Err() == nil {
			p.Log.Warn("signage: list screens", "err", err)
		}
		return
	}
	byID := make(map[string]store.Terminal, len(all))
	for _, t := range all {
		byID[t.ID] = t
	}
	var screens []store.Terminal
	for _, id := range p.Link.OnlineIDs() {
		if t, ok := byID[id]; ok {
			screens = append(screens, t)
		}
	}
	// Notices first, to every screen: they are what must arrive at once.
	for _, t := range screens {
		p.pushNotices(snap, t)
	}
	live := map[string]*protocol.LiveData{}
	for _, t := range screens {
		p.push(ctx, snap, t, p.liveFor(ctx, t, live))
	}
}

// needsReload reports whether changes touch what the snapshot holds.
func needsReload(cs []changes.Change, behind bool) bool {
	for _, c := range cs {
		if c.Kind == changes.SignageChanged || c.Kind == changes.PolicyChanged {
			return true
		}
	}
	return behind
}

// gather waits out a burst of terminal changes, ending early when
// signage changes; it reports whether the snapshot must be reloaded.
func (p *Pusher) gather(ctx context.Context, sub *changes.Subscription) bool {
	deadline := time.NewTimer(500 * time.Millisecond)
	defer deadline.Stop()
	for {
		select {
		case <-ctx.Done():
			return false
		case <-deadline.C:
			return false
		case <-sub.Ready():
			if needsReload(sub.Take()) {
				return true
			}
		}
	}
}
