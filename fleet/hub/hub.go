// Package hub is the fleet's end of the agent link: it accepts terminal
// WebSockets, stores their events exactly once, delivers commands, and
// knows which terminals are online right now.
package hub

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"piste/fleet/changes"
	"piste/fleet/protocol"
	"piste/fleet/store"
)

// Config tunes a Hub.
type Config struct {
	// Heartbeat is how often agents send health; each agent adds jitter.
	Heartbeat time.Duration
	// PingInterval is how often the hub pings each connection.
	PingInterval time.Duration
	// MaxBatch is the most events committed in one transaction.
	MaxBatch int
	// Changes is the bus the hub announces terminal changes on and hears
	// revocations and queued commands from; nil gives the hub its own.
	Changes *changes.Bus
}

func (c *Config) defaults() {
	if c.Heartbeat <= 0 {
		c.Heartbeat = 30 * time.Second
	}
	if c.PingInterval <= 0 {
		c.PingInterval = 30 * time.Second
	}
	if c.MaxBatch <= 0 {
		c.MaxBatch = 1000
	}
	if c.Changes == nil {
		c.Changes = &changes.Bus{}
	}
}

// Hub is the registry of live terminal connections.
type Hub struct {
	cfg      Config
	store    *store.Store
	log      *slog.Logger
	metrics  *Metrics
	upgrader websocket.Upgrader
	ingest   chan ingestItem
	changes  *changes.Bus
	// heard is the hub's subscription, taken in New so that nothing
	// published between New and Run is missed.
	heard *changes.Subscription

	mu    sync.Mutex
	conns map[string]*conn

	hooks Hooks

	wg     sync.WaitGroup
	connWG sync.WaitGroup // live connections' goroutines
	ctx    context.Context
	cancel context.CancelFunc
}

// New returns a Hub; call Run to start its background work.
func New(st *store.Store, cfg Config, metrics *Metrics, log *slog.Logger) *Hub {
	cfg.defaults()
	ctx, cancel := context.WithCancel(context.Background())
	return &Hub{
		cfg:     cfg,
		store:   st,
		log:     log,
		metrics: metrics,
		upgrader: websocket.Upgrader{
			ReadBufferSize:  4096,
			WriteBufferSize: 4096,
			// Agents are not browsers; they send no Origin, and a browser
			// page cannot present a terminal token.
			CheckOrigin: func(*http.Request) bool { return true },
		},
		ingest:  make(chan ingestItem, 4*cfg.MaxBatch),
		changes: cfg.Changes,
		heard:   cfg.Changes.Subscribe(changes.TerminalRevoked, changes.CommandQueued),
		conns:   map[string]*conn{},
		ctx:     ctx,
		cancel:  cancel,
	}
}

// Hooks let other parts of the fleet act on the link without the hub
// knowing them.
type Hooks struct {
	// Connected runs right after a terminal's welcome frame, before its
	// queued commands: the place to send it its policy.
	Connected func(ctx context.Context, t store.Terminal)
	// Stored runs, on its own goroutine, for every newly stored event.
	Stored func(ctx context.Context, in store.Incoming)
}

// SetHooks installs hooks; call it before Run.
func (h *Hub) SetHooks(hooks Hooks) { h.hooks = hooks }

// Hooks returns the hooks installed, so that another part can add its own.
func (h *Hub) Hooks() Hooks { return h.hooks }

// Send queues a frame for a connected terminal and reports whether it is
// connected.
func (h *Hub) Send(terminalID, typ string, body any) bool {
	h.mu.Lock()
	c := h.conns[terminalID]
	h.mu.Unlock()
	if c == nil {
		return false
	}
	c.send(typ, body)
	return true
}

// OnlineIDs lists the connected terminals.
func (h *Hub) OnlineIDs() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	ids := make([]string, 0, len(h.conns))
	for id := range h.conns {
		ids = append(ids, id)
	}
	return ids
}

// Changes is the bus the hub announces terminal changes on.
func (h *Hub) Changes() *changes.Bus { return h.changes }

// changed announces that a terminal's state changed.
func (h *Hub) changed(id string) {
	h.changes.Publish(changes.Change{Kind: changes.TerminalChanged, Terminal: id})
}

// Run starts the ingest loop, the change listener and the housekeeping
// timers.
func (h *Hub) Run() {
	h.wg.Add(3)
	go func() { defer h.wg.Done(); h.ingestLoop() }()
	go func() { defer h.wg.Done(); h.housekeeping() }()
	go func() { defer h.wg.Done(); h.listen() }()
}

// Close drops every connection (agents will reconnect to the next server)
// and stops the background work.
func (h *Hub) Close() {
	h.mu.Lock()
	conns := make([]*conn, 0, len(h.conns))
	for _, c := range h.conns {
		conns = append(conns, c)
	}
	h.mu.Unlock()
	for _, c := range conns {
		c.close(protocol.CloseServerShutdown, "server shutting down")
	}
	// Let every connection record its last-seen time before the ingest
	// loop and the store go away.
	h.connWG.Wait()
	h.cancel()
	h.wg.Wait()
	h.heard.Close()
}

// Online reports whether a terminal has a live connection, and since when.
func (h *Hub) Online(id string) (bool, time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	c, ok := h.conns[id]
	if !ok {
		return false, time.Time{}
	}
	return true, c.lastSeen()
}

// Deliver sends a queued command to its terminal if it is online. A
// terminal that is offline gets it from its queue when it reconnects.
func (h *Hub) Deliver(cmd store.Command) {
	h.mu.Lock()
	c := h.conns[cmd.TerminalID]
	h.mu.Unlock()
	if c != nil {
		c.sendCommand(cmd)
	}
}

// Disconnect closes a terminal's connection, e.g. after it was revoked.
func (h *Hub) Disconnect(id string, code int, reason string) {
	h.mu.Lock()
	c := h.conns[id]
	h.mu.Unlock()
	if c != nil {
		c.close(code, reason)
	}
}

func (h *Hub) register(c *conn) {
	h.mu.Lock()
	old := h.conns[c.terminal.ID]
	h.conns[c.terminal.ID] = c
	n := len(h.conns)
	h.mu.Unlock()
	if old != nil {
		old.close(protocol.CloseReplaced, "replaced by a newer connection of the same terminal")
	}
	h.metrics.Online.Set(float64(n))
	h.changed(c.terminal.ID)
}

func (h *Hub) unregister(c *conn) {
	h.mu.Lock()
	if h.conns[c.terminal.ID] == c {
		delete(h.conns, c.terminal.ID)
	}
	n := len(h.conns)
	h.mu.Unlock()
	h.metrics.Online.Set(float64(n))
	h.changed(c.terminal.ID)
	// Record when it was last heard from, so an offline terminal shows it.
	err := h.store.UpdatePresence(context.Background(), []store.Presence{{TerminalID: c.terminal.ID, LastSeen: c.lastSeen()}})
	if err != nil {
		h.log.Warn("record last seen", "terminal", c.terminal.ID, "err", err)
	}
}

// housekeeping does what the clock alone decides: it expires old
// commands, writes last-seen times in bulk and prunes history.
func (h *Hub) housekeeping() {
	expire := time.NewTicker(2 * time.Second)
	presence := time.NewTicker(15 * time.Second)
	prune := time.NewTicker(time.Hour)
	defer expire.Stop()
	defer presence.Stop()
	defer prune.Stop()
	for {
		select {
		case <-h.ctx.Done():
			return
		case now := <-expire.C:
			ids, err := h.store.ExpireCommands(h.ctx, now)
			if err != nil && h.ctx.Err() == nil {
				h.log.Warn("expire commands", "err", err)
			}
			h.metrics.CommandsExpired.Add(float64(len(ids)))
			for _, id := range ids {
				h.changes.Publish(changes.Change{Kind: changes.CommandUpdated, Command: id})
			}
		case <-presence.C:
			h.flushPresence()
		case now := <-prune.C:
			h.prune(now)
		}
	}
}

// HealthRetention is how long health history is kept for the charts.
const HealthRetention = 7 * 24 * time.Hour

// prune drops old health samples and expired staff logins, which would
// otherwise grow without bound (10,000 terminals make ~29 million samples a day).
func (h *Hub) prune(now time.Time) {
	if err := h.store.PruneHealth(h.ctx, now.Add(-HealthRetention)); err != nil && h.ctx.Err() == nil {
		h.log.Warn("prune health history", "err", err)
	}
	if err := h.store.PruneRejected(h.ctx, now.Add(-store.RejectedRetention)); err != nil && h.ctx.Err() == nil {
		h.log.Warn("prune rejected events", "err", err)
	}
	if err := h.store.PruneStaffSessions(h.ctx, now); err != nil && h.ctx.Err() == nil {
		h.log.Warn("prune staff logins", "err", err)
	}
}

// Done is closed when the hub stops, so long-lived views can end too.
func (h *Hub) Done() <-chan struct{} { return h.ctx.Done() }

func (h *Hub) flushPresence() {
	h.mu.Lock()
	ps := make([]store.Presence, 0, len(h.conns))
	for id, c := range h.conns {
		ps = append(ps, store.Presence{TerminalID: id, LastSeen: c.lastSeen()})
	}
	h.mu.Unlock()
	if err := h.store.UpdatePresence(h.ctx, ps); err != nil && h.ctx.Err() == nil {
		h.log.Warn("record last seen", "err", err)
	}
}
