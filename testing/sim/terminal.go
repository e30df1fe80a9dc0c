package sim

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"net/url"
	"time"

	"github.com/gorilla/websocket"

	"piste/agent/link"
	"piste/fleet/protocol"
)

func (t *Terminal) start(ctx context.Context, server *url.URL, pin string, dialer *websocket.Dialer) error {
	l, err := t.newLink(server, pin, dialer)
	if err != nil {
		return err
	}
	t.link = l
	t.sim.wg.Add(2)
	go func() { defer t.sim.wg.Done(); t.runLinks(ctx, l, server, pin, dialer) }()
	go func() { defer t.sim.wg.Done(); t.live(ctx) }()
	return nil
}

func (t *Terminal) newLink(server *url.URL, pin string, dialer *websocket.Dialer) (*link.Link, error) {
	return link.New(link.Config{
		Server: server, Token: t.token, Pin: pin, Outbox: t.outbox, Commands: t.outbox, Dialer: dialer,
		Hello:     protocol.Hello{AgentVersion: t.version, Kind: protocol.TerminalKind(t.Kind), Hostname: t.Name, OS: t.sim.cfg.OS, State: "idle"},
		Log:       t.sim.cfg.Log,
		OnCommand: t.command,
		OnWelcome: func(w protocol.Welcome) {
			select {
			case t.beat <- time.Duration(w.HeartbeatSeconds) * time.Second:
			default:
			}
		},
		OnStatus: func(s link.Status) { t.online.Store(s.Connected) },
		OnAck:    t.acked,
		OnNotice: func(n protocol.Notice) {
			t.notice(server, n)
			if t.sim.cfg.OnNotice != nil {
				t.sim.cfg.OnNotice(t, n)
			}
		},
	})
}

// runLinks runs the terminal's link, starting it afresh as another
// version after an update, as a restarted agent would.
func (t *Terminal) runLinks(ctx context.Context, l *link.Link, server *url.URL, pin string, dialer *websocket.Dialer) {
	for {
		lctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { defer close(done); l.Run(lctx) }()
		select {
		case <-ctx.Done():
			cancel()
			<-done
			return
		case up := <-t.upgrade:
			cancel()
			<-done
			t.online.Store(false)
			t.version = up.version
			l, _ = t.newLink(server, pin, dialer)
			close(up.done)
		}
	}
}

// live produces heartbeats and, if asked, visitor sessions.
func (t *Terminal) live(ctx context.Context) {
	interval := t.sim.cfg.Heartbeat
	if interval <= 0 {
		interval = 30 * time.Second
	}
	// Spread the first heartbeats over one interval, as real terminals
	// booting through a morning would be.
	timer := time.NewTimer(time.Duration(rand.Int64N(int64(interval))))
	defer timer.Stop()
	session := time.NewTimer(time.Duration(rand.Int64N(int64(5 * time.Minute))))
	defer session.Stop()
	t.event(protocol.EventState, protocol.StateChange{State: "idle"})
	for {
		select {
		case <-ctx.Done():
			return
		case d := <-t.beat:
			if t.sim.cfg.Heartbeat <= 0 {
				interval = d
			}
		case <-timer.C:
			t.heartbeat()
			timer.Reset(link.Jitter(interval))
		case <-session.C:
			if t.sim.cfg.Sessions && t.Kind == "pc" {
				t.toggleSession()
			}
			session.Reset(time.Duration(1+rand.Int64N(10)) * time.Minute)
		}
	}
}

func (t *Terminal) heartbeat() {
	t.mu.Lock()
	t.cpu = min(100, max(1, t.cpu+rand.NormFloat64()*5))
	h := protocol.Health{CPUPercent: t.cpu, MemUsedPercent: 35 + rand.Float64()*20,
		DiskUsedPercent: 40 + rand.Float64()*2, UptimeSeconds: uint64(time.Since(simStart).Seconds()) + 3600,
		AgentRSSBytes: 18 << 20}
	t.mu.Unlock()
	seq := t.event(protocol.EventHealth, h)
	if t.sim.cfg.OnHeartbeat != nil {
		t.mu.Lock()
		t.sentAt[seq] = time.Now()
		t.mu.Unlock()
	}
}

var simStart = time.Now()

func (t *Terminal) toggleSession() {
	t.mu.Lock()
	if t.state == "idle" {
		t.state = "active"
	} else if t.state == "active" {
		t.state = "idle"
	}
	state := t.state
	t.mu.Unlock()
	t.event(protocol.EventState, protocol.StateChange{State: protocol.TerminalState(state)})
}

func (t *Terminal) event(kind string, data any) uint64 {
	raw, _ := json.Marshal(data)
	seq, _ := t.outbox.Append(kind, time.Now(), raw)
	return seq
}

func (t *Terminal) acked(upTo uint64) {
	if t.sim.cfg.OnAck != nil {
		t.sim.cfg.OnAck(t, upTo)
	}
	if t.sim.cfg.OnHeartbeat == nil {
		return
	}
	now := time.Now()
	t.mu.Lock()
	for seq, at := range t.sentAt {
		if seq <= upTo {
			t.sim.cfg.OnHeartbeat(now.Sub(at))
			delete(t.sentAt, seq)
		}
	}
	t.mu.Unlock()
}

// command plays a terminal obeying the fleet.
func (t *Terminal) command(cmd protocol.Command) {
	if t.sim.cfg.OnCommand != nil {
		t.sim.cfg.OnCommand(t.ID, cmd, time.Now())
	}
	result := protocol.CommandResult{CommandID: cmd.ID, Status: "done"}
	t.mu.Lock()
	switch cmd.Type {
	case protocol.CommandLock:
		t.state = "out_of_service"
	case protocol.CommandUnlock, protocol.CommandWipe, protocol.CommandEndSession:
		t.state = "idle"
	}
	state := t.state
	t.mu.Unlock()
	if cmd.Type == protocol.CommandLock || cmd.Type == protocol.CommandUnlock {
		reason := ""
		if state == "out_of_service" {
			reason = "locked"
		}
		t.event(protocol.EventState, protocol.StateChange{State: protocol.TerminalState(state), Reason: reason})
	}
	t.event(protocol.EventCommandResult, result)
}

// SetState reports a visitor-session state, as the agent does when a
// session starts or ends; benchmarks drive live list updates with it.
func (t *Terminal) SetState(state protocol.TerminalState) {
	t.mu.Lock()
	t.state = string(state)
	t.mu.Unlock()
	t.event(protocol.EventState, protocol.StateChange{State: state})
}
