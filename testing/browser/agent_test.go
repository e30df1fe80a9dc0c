package browser

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/require"

	"piste/fleet/protocol"
)

// testAgent is a terminal's end of the agent link, speaking the real
// protocol over a real WebSocket: it reports health and state, acks the
// commands it gets and reports them done.
type testAgent struct {
	t     *testing.T
	ID    string
	Name  string
	epoch string

	ws      *websocket.Conn
	writeMu sync.Mutex

	mu       sync.Mutex
	seq      uint64
	acked    uint64
	ackedNow chan struct{} // closed and replaced whenever acked moves
	commands []protocol.Command
	closeErr error // why the link ended
	done     chan struct{}
}

// enroll joins a terminal to the fleet the way an agent does.
func enroll(t *testing.T, baseURL, code, name, kind string) protocol.EnrollResponse {
	t.Helper()
	body, err := json.Marshal(protocol.EnrollRequest{Code: code, Name: name, Kind: protocol.TerminalKind(kind), Hostname: name + ".lib.local",
		OS: "Debian GNU/Linux 12", AgentVersion: "1.4.0"})
	require.NoError(t, err)
	res, err := http.Post(baseURL+protocol.PathEnroll, "application/json", strings.NewReader(string(body)))
	require.NoError(t, err)
	defer res.Body.Close()
	require.Equal(t, http.StatusCreated, res.StatusCode, "enroll %s", name)
	var out protocol.EnrollResponse
	require.NoError(t, json.NewDecoder(res.Body).Decode(&out))
	return out
}

// connectAgent opens the agent link and completes hello/welcome.
func connectAgent(t *testing.T, baseURL string, e protocol.EnrollResponse, kind string) *testAgent {
	t.Helper()
	header := http.Header{"Authorization": {"Bearer " + e.Token}}
	ws, res, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(baseURL, "http")+protocol.Path, header)
	require.NoError(t, err)
	res.Body.Close()
	a := &testAgent{t: t, ID: e.TerminalID, Name: e.Name, epoch: fmt.Sprintf("ep-%s-%d", e.TerminalID, time.Now().UnixNano()),
		ws: ws, ackedNow: make(chan struct{}), done: make(chan struct{})}
	a.send(protocol.TypeHello, protocol.Hello{AgentVersion: "1.4.0", Kind: protocol.TerminalKind(kind), Hostname: e.Name + ".lib.local",
		OS: "Debian GNU/Linux 12", State: "idle", Epoch: a.epoch})
	_, frame, err := ws.ReadMessage()
	require.NoError(t, err)
	env, err := protocol.Decode(frame)
	require.NoError(t, err)
	require.Equal(t, protocol.TypeWelcome, env.Type)
	go a.readLoop()
	t.Cleanup(func() { a.Close() })
	return a
}

func (a *testAgent) send(typ string, body any) error {
	frame, err := protocol.Encode(fmt.Sprintf("%s-%d", typ, time.Now().UnixNano()), typ, body)
	if err != nil {
		return err
	}
	a.writeMu.Lock()
	defer a.writeMu.Unlock()
	return a.ws.WriteMessage(websocket.TextMessage, frame)
}

func (a *testAgent) readLoop() {
	defer close(a.done)
	for {
		_, frame, err := a.ws.ReadMessage()
		if err != nil {
			a.mu.Lock()
			a.closeErr = err
			a.mu.Unlock()
			return
		}
		env, err := protocol.Decode(frame)
		if err != nil {
			continue
		}
		switch env.Type {
		case protocol.TypeAck:
			var ack protocol.Ack
			if protocol.DecodeBody(env, &ack) == nil && ack.Epoch == a.epoch {
				a.mu.Lock()
				a.acked = max(a.acked, ack.Seq)
				close(a.ackedNow)
				a.ackedNow = make(chan struct{})
				a.mu.Unlock()
			}
		case protocol.TypeCommand:
			var cmd protocol.Command
			if protocol.DecodeBody(env, &cmd) == nil {
				a.runCommand(cmd)
			}
		}
	}
}

// runCommand does what an agent does with a command: ack it at once, then
// report the result as an outbox event.
func (a *testAgent) runCommand(cmd protocol.Command) {
	a.mu.Lock()
	a.commands = append(a.commands, cmd)
	a.mu.Unlock()
	a.send(protocol.TypeAck, protocol.Ack{CommandID: cmd.ID})
	a.post(protocol.EventCommandResult, time.Now(), protocol.CommandResult{CommandID: cmd.ID, Status: "done"})
}

// post sends one outbox event and returns its sequence number.
func (a *testAgent) post(kind string, at time.Time, data any) uint64 {
	raw, err := json.Marshal(data)
	require.NoError(a.t, err)
	a.mu.Lock()
	a.seq++
	seq := a.seq
	a.mu.Unlock()
	a.send(protocol.TypeEvent, protocol.Event{Epoch: a.epoch, Seq: seq, Kind: kind, At: at.UTC(), Data: raw})
	return seq
}

// event sends one event and waits until the fleet has stored it.
func (a *testAgent) event(kind string, at time.Time, data any) {
	a.t.Helper()
	seq := a.post(kind, at, data)
	deadline := time.After(10 * time.Second)
	for {
		a.mu.Lock()
		acked, next := a.acked, a.ackedNow
		a.mu.Unlock()
		if acked >= seq {
			return
		}
		select {
		case <-next:
		case <-a.done:
			a.t.Fatalf("terminal %s: link closed before event %d was acked", a.Name, seq)
		case <-deadline:
			a.t.Fatalf("terminal %s: event %d not acked within 10 s", a.Name, seq)
		}
	}
}

func (a *testAgent) health(at time.Time, cpu, mem, disk float64, uptime time.Duration) {
	a.t.Helper()
	a.event(protocol.EventHealth, at, protocol.Health{CPUPercent: cpu, MemUsedPercent: mem, DiskUsedPercent: disk,
		UptimeSeconds: uint64(uptime.Seconds()), AgentRSSBytes: 48 << 20})
}

func (a *testAgent) state(state, reason string) {
	a.t.Helper()
	a.event(protocol.EventState, time.Now(), protocol.StateChange{State: protocol.TerminalState(state), Reason: reason})
}

// Commands returns the commands the terminal received so far.
func (a *testAgent) Commands() []protocol.Command {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]protocol.Command(nil), a.commands...)
}

// closeCode waits for the link to end and returns the fleet's close code,
// or -1 if it ended without one.
func (a *testAgent) closeCode(wait time.Duration) int {
	select {
	case <-a.done:
	case <-time.After(wait):
		return -1
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	var ce *websocket.CloseError
	if errors.As(a.closeErr, &ce) {
		return ce.Code
	}
	return -1
}

// Close drops the link the way a killed agent process does: no close
// frame, the connection just ends.
func (a *testAgent) Close() {
	a.ws.Close()
	<-a.done
}
