// Package link is the agent's end of the live link to the fleet: one
// WebSocket that it keeps open through outages, over which it drains the
// outbox and receives commands.
package link

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"piste/agent/outbox"
	"piste/fleet/protocol"
)

// ErrRevoked means the fleet no longer accepts this terminal's token.
var ErrRevoked = errors.New("terminal token refused by the fleet (revoked or unknown): enroll this terminal again")

// Config says where and how to connect.
type Config struct {
	Server *url.URL // the fleet's base URL
	Token  string
	Pin    string // certificate fingerprint; empty: system roots
	Hello  protocol.Hello
	Outbox outbox.Outbox
	// Commands remembers executed commands; nil runs every delivery.
	Commands outbox.CommandLog
	// OnCommand runs each new command, one at a time, in arrival order.
	OnCommand func(protocol.Command)
	// OnWelcome is told the fleet's settings on every connect.
	OnWelcome func(protocol.Welcome)
	// OnAck is told the highest event seq the fleet has stored.
	OnAck func(upTo uint64)
	// OnStatus is told of every change of the link's status.
	OnStatus func(Status)
	// OnPolicy is given the body of each policy frame: the terminal's
	// effective policy as JSON. The callee validates it.
	OnPolicy func(json.RawMessage)
	// OnNotice is given each notice frame (reservations, help updates).
	OnNotice func(protocol.Notice)
	Log      *slog.Logger
	// Dialer defaults to one with the Pin's TLS settings.
	Dialer *websocket.Dialer
	// Backoff defaults to 1 s doubling up to 60 s.
	Backoff *Backoff
	// Window is the most events in flight unacked (default 256).
	Window int
}

// Status is the link as the agent's status shows it.
type Status struct {
	Connected     bool
	Revoked       bool
	LastConnected time.Time
	LastError     string
	Attempts      int
}

// Down reports whether the link is known to be down: not connected, after
// a try that failed or a connection that dropped. A link that has not yet
// finished its first try is not down: it is not known to be.
func (s Status) Down() bool {
	return !s.Connected && (s.LastError != "" || s.Revoked)
}

// Link keeps one terminal connected.
type Link struct {
	cfg      Config
	commands chan protocol.Command // outlives connections: acked means it will run
	mu       sync.Mutex
	status   Status
	unknown  protocol.UnknownTypes // frame types from a newer fleet, logged once
}

// New checks cfg and returns a Link; Run connects it.
func New(cfg Config) (*Link, error) {
	if cfg.Server == nil || cfg.Token == "" || cfg.Outbox == nil {
		return nil, errors.New("link: server, token and outbox are required")
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Dialer == nil {
		cfg.Dialer = &websocket.Dialer{TLSClientConfig: TLSConfig(cfg.Pin), HandshakeTimeout: 15 * time.Second,
			Proxy: http.ProxyFromEnvironment}
	}
	if cfg.Backoff == nil {
		cfg.Backoff = &Backoff{Base: time.Second, Max: time.Minute}
	}
	if cfg.Window <= 0 {
		cfg.Window = 256
	}
	cfg.Hello.Epoch = cfg.Outbox.Epoch()
	return &Link{cfg: cfg, commands: make(chan protocol.Command, 256)}, nil
}

// Status returns the link's current status.
func (l *Link) Status() Status {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.status
}

func (l *Link) update(fn func(*Status)) {
	l.mu.Lock()
	fn(&l.status)
	s := l.status
	l.mu.Unlock()
	if l.cfg.OnStatus != nil {
		l.cfg.OnStatus(s)
	}
}

// Run keeps the link up until ctx ends or the fleet refuses the token.
func (l *Link) Run(ctx context.Context) error {
	cmdCtx, stopCommands := context.WithCancel(ctx)
	done := make(chan struct{})
	defer func() { stopCommands(); <-done }()
	go func() { defer close(done); l.runCommands(cmdCtx) }()
	for {
		l.update(func(s *Status) { s.Attempts++ })
		err := l.connect(ctx)
		if ctx.Err() != nil {
			l.update(func(s *Status) { s.Connected = false })
			return nil
		}
		if errors.Is(err, ErrRevoked) {
			l.update(func(s *Status) { s.Connected, s.Revoked, s.LastError = false, true, err.Error() })
			l.cfg.Log.Error("fleet link stopped", "err", err)
			return err
		}
		l.update(func(s *Status) { s.Connected, s.LastError = false, errString(err) })
		delay := l.cfg.Backoff.Next()
		l.cfg.Log.Debug("fleet link down, retrying", "err", err, "in", delay.Round(time.Millisecond))
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(delay):
		}
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func (l *Link) wsURL() string {
	u := *l.cfg.Server
	u.Scheme = map[string]string{"https": "wss", "http": "ws"}[u.Scheme]
	u.Path = protocol.Path
	return u.String()
}

// connect runs one connection from dial to drop.
func (l *Link) connect(ctx context.Context) error {
	header := http.Header{"Authorization": {"Bearer " + l.cfg.Token}}
	ws, resp, err := l.cfg.Dialer.DialContext(ctx, l.wsURL(), header)
	if resp != nil && resp.StatusCode == http.StatusUnauthorized {
		return ErrRevoked
	}
	if err != nil {
		return fmt.Errorf("dial fleet: %w", err)
	}
	defer ws.Close()
	ws.SetReadLimit(protocol.MaxFrameBytes)
	welcome, err := l.handshake(ws)
	if err != nil {
		return err
	}
	l.cfg.Backoff.Reset()
	if err := l.cfg.Outbox.Ack(welcome.AckedSeq); err != nil {
		return err
	}
	l.update(func(s *Status) { s.Connected, s.LastConnected, s.LastError = true, time.Now(), "" })
	if l.cfg.OnWelcome != nil {
		l.cfg.OnWelcome(welcome)
	}
	c := &session{link: l, ws: ws, acked: welcome.AckedSeq, sent: welcome.AckedSeq,
		wake: make(chan struct{}, 1), control: make(chan []byte, 64), readErr: make(chan error, 1)}
	c.idle = readTimeout(welcome.HeartbeatSeconds)
	return c.run(ctx)
}

func readTimeout(heartbeatSeconds int) time.Duration {
	return max(3*time.Duration(heartbeatSeconds)*time.Second, 90*time.Second)
}

func (l *Link) handshake(ws *websocket.Conn) (protocol.Welcome, error) {
	var w protocol.Welcome
	frame, err := protocol.Encode(l.cfg.Hello.Epoch+"-hello", protocol.TypeHello, l.cfg.Hello)
	if err != nil {
		return w, err
	}
	ws.SetWriteDeadline(time.Now().Add(15 * time.Second))
	if err := ws.WriteMessage(websocket.TextMessage, frame); err != nil {
		return w, fmt.Errorf("send hello: %w", err)
	}
	ws.SetReadDeadline(time.Now().Add(15 * time.Second))
	_, frame, err = ws.ReadMessage()
	if err != nil {
		return w, closeError(err)
	}
	env, err := protocol.Decode(frame)
	if err != nil {
		return w, fmt.Errorf("fleet's welcome: %w", err)
	}
	if env.Type != protocol.TypeWelcome {
		return w, fmt.Errorf("fleet answered hello with %q, want welcome", env.Type)
	}
	if err := protocol.DecodeBody(env, &w); err != nil {
		return w, err
	}
	if w.HeartbeatSeconds <= 0 {
		w.HeartbeatSeconds = 30
	}
	return w, nil
}

// closeError turns the fleet's close frame into an error that says why.
func closeError(err error) error {
	var ce *websocket.CloseError
	if errors.As(err, &ce) {
		if ce.Code == protocol.CloseUnauthorized {
			return ErrRevoked
		}
		return fmt.Errorf("fleet closed the link (%d): %s", ce.Code, ce.Text)
	}
	return err
}

// session is one live connection.
type session struct {
	link    *Link
	ws      *websocket.Conn
	idle    time.Duration
	acked   uint64 // highest seq the fleet stored
	sent    uint64 // highest seq written to this connection
	ackedAt atomic.Uint64
	wake    chan struct{}
	control chan []byte // frames from the reader to send (command acks)
	readErr chan error
	stop    <-chan struct{} // closed when the connection is over
}

func (c *session) run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	c.ackedAt.Store(c.acked)
	c.stop = ctx.Done()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); c.readErr <- c.read() }()
	err := c.write(ctx)
	cancel()
	c.ws.Close()
	wg.Wait()
	return err
}

// write drains the outbox into the connection, keeping at most Window
// events in flight, and sends the control frames the reader queues.
func (c *session) write(ctx context.Context) error {
	ob := c.link.cfg.Outbox
	for {
		if err := c.fill(ob); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			c.ws.WriteControl(websocket.CloseMessage,
				websocket.FormatCloseMessage(websocket.CloseGoingAway, "agent stopping"), time.Now().Add(time.Second))
			return nil
		case err := <-c.readErr:
			return err
		case frame := <-c.control:
			if err := c.send(frame); err != nil {
				return err
			}
		case <-ob.Notify():
		case <-c.wake:
		}
	}
}

func (c *session) fill(ob outbox.Outbox) error {
	window := uint64(c.link.cfg.Window)
	acked := c.ackedAt.Load()
	if c.sent < acked {
		c.sent = acked
	}
	if c.sent-acked >= window {
		return nil
	}
	events, err := ob.After(c.sent, int(window-(c.sent-acked)))
	if err != nil {
		return err
	}
	for _, ev := range events {
		frame, err := protocol.Encode(protocol.EventID(ev.Epoch, ev.Seq), protocol.TypeEvent, ev)
		if err != nil {
			return err
		}
		if err := c.send(frame); err != nil {
			return err
		}
		c.sent = ev.Seq
	}
	return nil
}

func (c *session) send(frame []byte) error {
	c.ws.SetWriteDeadline(time.Now().Add(15 * time.Second))
	if err := c.ws.WriteMessage(websocket.TextMessage, frame); err != nil {
		return fmt.Errorf("send to fleet: %w", err)
	}
	return nil
}

func (c *session) read() error {
	c.ws.SetPingHandler(func(data string) error {
		c.ws.SetReadDeadline(time.Now().Add(c.idle))
		return c.ws.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(5*time.Second))
	})
	for {
		c.ws.SetReadDeadline(time.Now().Add(c.idle))
		_, frame, err := c.ws.ReadMessage()
		if err != nil {
			return closeError(err)
		}
		if err := c.handle(frame); err != nil {
			c.ws.WriteControl(websocket.CloseMessage,
				websocket.FormatCloseMessage(protocol.CloseProtocolError, err.Error()), time.Now().Add(time.Second))
			return err
		}
	}
}

func (c *session) handle(frame []byte) error {
	env, err := protocol.Decode(frame)
	if err != nil {
		return fmt.Errorf("frame from fleet: %w", err)
	}
	switch env.Type {
	case protocol.TypeAck:
		var ack protocol.Ack
		if err := protocol.DecodeBody(env, &ack); err != nil {
			return err
		}
		if ack.Seq > c.ackedAt.Load() {
			if err := c.link.cfg.Outbox.Ack(ack.Seq); err != nil {
				return err
			}
			c.ackedAt.Store(ack.Seq)
			if c.link.cfg.OnAck != nil {
				c.link.cfg.OnAck(ack.Seq)
			}
			select {
			case c.wake <- struct{}{}:
			default:
			}
		}
	case protocol.TypeCommand:
		var cmd protocol.Command
		if err := protocol.DecodeBody(env, &cmd); err != nil {
			return err
		}
		return c.command(cmd)
	case protocol.TypePolicy:
		if len(env.Body) == 0 {
			return fmt.Errorf("frame from fleet: %w: policy frame has no body", protocol.ErrMalformed)
		}
		if c.link.cfg.OnPolicy != nil {
			c.link.cfg.OnPolicy(env.Body)
		}
	case protocol.TypeNotice:
		var n protocol.Notice
		if err := protocol.DecodeBody(env, &n); err != nil {
			return err
		}
		if c.link.cfg.OnNotice != nil {
			c.link.cfg.OnNotice(n)
		}
	default:
		// A newer fleet may add frame types within the protocol version
		// (docs/protocol.md, "Versions"): this agent ignores them and says
		// so once per type, so that an upgrade is not mistaken for a fault.
		if c.link.unknown.First(env.Type) {
			c.link.cfg.Log.Info("ignoring frames of a type this agent does not know; upgrade the agent to use them",
				"type", env.Type)
		}
	}
	return nil
}

// command records, acks, then queues a command for execution. A command
// seen before is acked again (the first ack may have been lost) but not run.
func (c *session) command(cmd protocol.Command) error {
	first := true
	if log := c.link.cfg.Commands; log != nil {
		var err error
		if first, err = log.FirstSeen(cmd.ID); err != nil {
			return err
		}
	}
	frame, err := protocol.Encode("ack-"+cmd.ID, protocol.TypeAck, protocol.Ack{CommandID: cmd.ID})
	if err != nil {
		return err
	}
	if first && c.link.cfg.OnCommand != nil {
		select {
		case c.link.commands <- cmd:
		case <-c.stop:
			return errors.New("connection closed")
		}
	}
	select {
	case c.control <- frame:
	case <-c.stop:
		return errors.New("connection closed")
	}
	return nil
}

func (l *Link) runCommands(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case cmd := <-l.commands:
			l.cfg.OnCommand(cmd)
		}
	}
}
