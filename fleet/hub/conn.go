package hub

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"piste/fleet/auth"
	"piste/fleet/changes"
	"piste/fleet/protocol"
	"piste/fleet/store"
)

const (
	helloTimeout = 10 * time.Second
	writeTimeout = 10 * time.Second
	sendQueue    = 256
)

// conn is one terminal's live connection.
type conn struct {
	hub      *Hub
	ws       *websocket.Conn
	terminal store.Terminal
	epoch    string
	out      chan []byte
	seen     atomic.Int64 // unix ms of the last frame received
	once     sync.Once
	done     chan struct{}
}

func (c *conn) lastSeen() time.Time { return time.UnixMilli(c.seen.Load()).UTC() }

// touch records that the peer is alive and moves the read deadline, so a
// silently vanished terminal (power cut, cable pulled) is noticed.
func (c *conn) touch() {
	now := time.Now()
	c.seen.Store(now.UnixMilli())
	c.ws.SetReadDeadline(now.Add(2*c.hub.cfg.PingInterval + c.hub.cfg.Heartbeat))
}

// ServeHTTP accepts one agent link. The terminal authenticates with its
// token before the upgrade, so an unknown or revoked token gets a plain 401.
func (h *Hub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || token == "" {
		httpError(w, http.StatusUnauthorized, "missing terminal token (Authorization: Bearer ...)")
		return
	}
	term, err := h.store.TerminalByToken(r.Context(), auth.HashToken(token))
	if errors.Is(err, store.ErrNotFound) {
		h.metrics.LinkRefused.Inc()
		httpError(w, http.StatusUnauthorized, "terminal token unknown or revoked: enroll this terminal again")
		return
	}
	if err != nil {
		httpError(w, http.StatusServiceUnavailable, "fleet database unavailable, retry later")
		return
	}
	ws, err := h.upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // the upgrader has answered
	}
	ws.SetReadLimit(protocol.MaxFrameBytes)
	c := &conn{hub: h, ws: ws, terminal: term, out: make(chan []byte, sendQueue), done: make(chan struct{})}
	c.touch()
	ws.SetPongHandler(func(string) error { c.touch(); return nil })
	h.connWG.Add(1)
	go func() { defer h.connWG.Done(); c.serve() }()
}

func httpError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": msg})
}

func (c *conn) serve() {
	h := c.hub
	defer c.ws.Close()
	hello, err := c.readHello()
	if err != nil {
		c.closeFor(err)
		return
	}
	c.epoch = hello.Epoch
	acked, err := h.store.OutboxCursor(h.ctx, c.terminal.ID, hello.Epoch)
	if err != nil {
		c.close(websocket.CloseTryAgainLater, "fleet database unavailable")
		return
	}
	err = h.store.UpdatePresence(h.ctx, []store.Presence{{TerminalID: c.terminal.ID, LastSeen: time.Now(),
		AgentVersion: hello.AgentVersion, Hostname: hello.Hostname, OS: hello.OS, MAC: macOf(hello)}})
	if err != nil {
		h.log.Warn("record hello", "terminal", c.terminal.ID, "err", err)
	}
	go c.writeLoop()
	// Counted before the welcome, so whoever saw the welcome sees the count.
	h.metrics.Connects.Inc()
	c.send(protocol.TypeWelcome, protocol.Welcome{
		TerminalID: c.terminal.ID, Name: c.terminal.Name, Branch: c.terminal.Branch,
		HeartbeatSeconds: int(h.cfg.Heartbeat / time.Second), ServerTime: time.Now().UTC(), AckedSeq: acked,
	})
	h.register(c)
	defer h.unregister(c)
	if h.hooks.Connected != nil {
		h.hooks.Connected(h.ctx, c.terminal)
	}
	c.sendPending()
	c.readLoop()
}

func (c *conn) readHello() (protocol.Hello, error) {
	var hello protocol.Hello
	c.ws.SetReadDeadline(time.Now().Add(helloTimeout))
	_, frame, err := c.ws.ReadMessage()
	if err != nil {
		return hello, err
	}
	c.touch()
	env, err := protocol.Decode(frame)
	if err != nil {
		return hello, err
	}
	if env.Type != protocol.TypeHello {
		return hello, errors.Join(protocol.ErrMalformed, errors.New("first frame must be hello, got "+env.Type))
	}
	if err := protocol.DecodeBody(env, &hello); err != nil {
		return hello, err
	}
	if hello.Epoch == "" || len(hello.Epoch) > 64 {
		return hello, errors.Join(protocol.ErrMalformed, errors.New("hello epoch must be 1 to 64 characters"))
	}
	return hello, nil
}

func (c *conn) readLoop() {
	h := c.hub
	for {
		_, frame, err := c.ws.ReadMessage()
		if err != nil {
			if errors.Is(err, websocket.ErrReadLimit) {
				h.metrics.BadFrames.Inc()
			}
			c.shutdown()
			return
		}
		c.touch()
		if err := c.handle(frame); err != nil {
			h.metrics.BadFrames.Inc()
			h.log.Info("closing agent link", "terminal", c.terminal.ID, "reason", err)
			c.closeFor(err)
			return
		}
	}
}

func (c *conn) handle(frame []byte) error {
	env, err := protocol.Decode(frame)
	if err != nil {
		return err
	}
	switch env.Type {
	case protocol.TypeEvent:
		var ev protocol.Event
		if err := protocol.DecodeBody(env, &ev); err != nil {
			return err
		}
		if err := ev.Validate(); err != nil {
			return err
		}
		if ev.Epoch != c.epoch {
			return errors.Join(protocol.ErrMalformed, errors.New("event epoch differs from hello epoch"))
		}
		select {
		case c.hub.ingest <- ingestItem{conn: c, in: store.Incoming{TerminalID: c.terminal.ID, Event: ev, ReceivedAt: time.Now()}}:
		case <-c.done:
		}
		return nil
	case protocol.TypeAck:
		var ack protocol.Ack
		if err := protocol.DecodeBody(env, &ack); err != nil {
			return err
		}
		if ack.CommandID == "" {
			return errors.Join(protocol.ErrMalformed, errors.New("ack from an agent must name a command_id"))
		}
		err := c.hub.store.MarkDelivered(c.hub.ctx, ack.CommandID, c.terminal.ID, time.Now())
		if err != nil {
			c.hub.log.Warn("mark command delivered", "command", ack.CommandID, "err", err)
		} else {
			c.hub.changes.Publish(changes.Change{Kind: changes.CommandUpdated, Terminal: c.terminal.ID, Command: ack.CommandID})
		}
		c.hub.metrics.CommandsDelivered.Inc()
		return nil
	default:
		// A newer agent may send frame types this fleet does not know
		// (docs/protocol.md, "Versions"); they are ignored, not a fault.
		if unknownFrameTypes.First(env.Type) {
			c.hub.log.Info("ignoring agent frames of a type this fleet does not know", "type", env.Type,
				"terminal", c.terminal.ID)
		}
		return nil
	}
}

// unknownFrameTypes are the frame types from newer agents logged so far.
var unknownFrameTypes protocol.UnknownTypes

// closeFor closes the connection with the close code that names err.
func (c *conn) closeFor(err error) {
	var version *protocol.VersionError
	switch {
	case errors.As(err, &version):
		c.close(protocol.CloseVersion, err.Error())
	case errors.Is(err, protocol.ErrMalformed):
		c.close(protocol.CloseProtocolError, err.Error())
	default:
		c.shutdown()
	}
}

// close sends a close frame with a reason and ends the connection.
func (c *conn) close(code int, reason string) {
	if len(reason) > 120 { // a close frame's reason is at most 123 bytes
		reason = reason[:120]
	}
	msg := websocket.FormatCloseMessage(code, reason)
	c.ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(time.Second))
	c.shutdown()
}

func (c *conn) shutdown() {
	c.once.Do(func() {
		close(c.done)
		c.ws.Close()
	})
}

// send queues a frame; a connection that cannot keep up is dropped rather
// than allowed to hold memory, and the agent reconnects and resends.
func (c *conn) send(typ string, body any) {
	frame, err := protocol.Encode(auth.NewID(8), typ, body)
	if err != nil {
		c.hub.log.Error("encode frame", "type", typ, "err", err)
		return
	}
	select {
	case c.out <- frame:
	case <-c.done:
	default:
		c.hub.log.Warn("agent link send queue full, dropping connection", "terminal", c.terminal.ID)
		c.shutdown()
	}
}

func (c *conn) writeLoop() {
	ping := time.NewTicker(c.hub.cfg.PingInterval)
	defer ping.Stop()
	for {
		select {
		case <-c.done:
			return
		case frame := <-c.out:
			c.ws.SetWriteDeadline(time.Now().Add(writeTimeout))
			if err := c.ws.WriteMessage(websocket.TextMessage, frame); err != nil {
				c.shutdown()
				return
			}
		case <-ping.C:
			if err := c.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(writeTimeout)); err != nil {
				c.shutdown()
				return
			}
		}
	}
}

func (c *conn) sendPending() {
	cmds, err := c.hub.store.PendingCommands(context.Background(), c.terminal.ID, time.Now())
	if err != nil {
		c.hub.log.Warn("load queued commands", "terminal", c.terminal.ID, "err", err)
		return
	}
	// A terminal back from a long absence may have more queued than the
	// send queue holds: wait for room here instead of dropping the link.
	for _, cmd := range cmds {
		frame, err := protocol.Encode(auth.NewID(8), protocol.TypeCommand, wireCommand(cmd))
		if err != nil {
			continue
		}
		select {
		case c.out <- frame:
		case <-c.done:
			return
		}
	}
}

func wireCommand(cmd store.Command) protocol.Command {
	return protocol.Command{ID: cmd.ID, Type: cmd.Type, Text: cmd.Text, Texts: cmd.Texts, CreatedAt: cmd.CreatedAt, ExpiresAt: cmd.ExpiresAt}
}

func (c *conn) sendCommand(cmd store.Command) {
	c.send(protocol.TypeCommand, wireCommand(cmd))
}
