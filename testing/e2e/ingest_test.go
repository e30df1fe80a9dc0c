package e2e

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"piste/fleet/protocol"
	"piste/testing/sim"
)

// A terminal sends a health event whose data does not decode, in the
// middle of good events from 20 other terminals: every terminal stays
// connected, every good event is stored once, and the bad one is
// acknowledged, kept aside, shown to admins as an alert and never resent.
func TestBadEventIsKeptAsideAndDisconnectsNobody(t *testing.T) {
	f := newFleet(t)
	code := f.enrollCode("oodi", 20, "1h")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s, err := sim.Start(ctx, sim.Config{Server: f.url, Code: code, Terminals: 20, Heartbeat: time.Hour})
	require.NoError(t, err)
	eventually(t, 30*time.Second, func() bool { return s.Online() == 20 && s.Pending() == 0 }, "simulated terminals did not come online")

	bad := newRawTerminal(t, f, "kallio")
	link := bad.dial("epoch-1")
	assert.Zero(t, link.welcome.AckedSeq)
	require.Equal(t, 21.0, f.metric("piste_link_connects_total"))

	// The simulated terminals stream while the bad terminal sends a good
	// test event, an undecodable health event and a good health event.
	const perTerminal = 200
	sent := 0
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 4 {
			sent += s.Emit(protocol.EventTest, perTerminal/4)
		}
	}()
	link.event(1, protocol.EventTest, `{"n":1}`)
	link.event(2, protocol.EventHealth, `"cpu is fine, thanks"`)
	link.event(3, protocol.EventHealth, `{"cpu_percent":42,"mem_used_percent":50,"disk_used_percent":60,"uptime_seconds":7200}`)
	link.waitAck(3)
	<-done
	eventually(t, 60*time.Second, func() bool { return s.Pending() == 0 }, "good events still unacked",
		func() string { return fmt.Sprint(s.Pending(), " pending") })

	// Nobody was disconnected: no link was made again, the bad terminal's
	// own link carried on past its bad event.
	assert.Equal(t, 21.0, f.metric("piste_link_connects_total"), "a link was dropped and made again")
	assert.Equal(t, 20, s.Online())
	assert.Equal(t, 20*perTerminal, sent)
	assert.Equal(t, sent+1, countEvents(t, f, protocol.EventTest), "every good event stored once")
	assert.Equal(t, 42.0, f.terminal(bad.id).Health.CPUPercent, "the good health event after the bad one is stored")
	assert.Equal(t, 1.0, f.metric(`piste_events_rejected_total{kind="health"}`))

	rejected := rejectedEvents(t, f)
	require.Len(t, rejected, 1)
	assert.Equal(t, fmt.Sprintf("%s epoch-1 2 health", bad.id), rejected[0])

	var alerts []struct{ Terminal, Kind, Detail string }
	require.Equal(t, 200, f.call("GET", "/api/v1/alerts", f.token, nil, &alerts))
	require.Len(t, alerts, 1, "%+v", alerts)
	assert.Equal(t, bad.id, alerts[0].Terminal)
	assert.Equal(t, "event_rejected", alerts[0].Kind)
	assert.Contains(t, alerts[0].Detail, "health event epoch-1/2 not accepted")

	// Reconnected, the terminal learns that everything up to its last event
	// is stored, so it has nothing to resend; one that resends anyway is
	// acked and nothing more is kept aside.
	link.close()
	link = bad.dial("epoch-1")
	assert.Equal(t, uint64(3), link.welcome.AckedSeq)
	link.event(2, protocol.EventHealth, `"cpu is fine, thanks"`)
	link.waitAck(2)
	assert.Len(t, rejectedEvents(t, f), 1)
	assert.Equal(t, 1.0, f.metric(`piste_events_rejected_total{kind="health"}`))
	assert.Equal(t, 1.0, f.metric("piste_events_duplicate_total"))
}

// rawTerminal is an enrolled terminal that speaks the protocol by hand, so
// it can send what no real agent would.
type rawTerminal struct {
	t     *testing.T
	f     *fleet
	id    string
	token string
}

func newRawTerminal(t *testing.T, f *fleet, branch string) *rawTerminal {
	id, token := enrollRaw(t, f, branch)
	return &rawTerminal{t: t, f: f, id: id, token: token}
}

// rawLink is one connection of a rawTerminal; a reader goroutine keeps the
// highest event ack seen.
type rawLink struct {
	t       *testing.T
	ws      *websocket.Conn
	epoch   string
	welcome protocol.Welcome
	mu      sync.Mutex
	acked   uint64
	closed  bool
	err     error
}

func (r *rawTerminal) dial(epoch string) *rawLink {
	h := http.Header{"Authorization": {"Bearer " + r.token}}
	ws, _, err := websocket.DefaultDialer.Dial("ws://"+r.f.addr+protocol.Path, h)
	require.NoError(r.t, err)
	l := &rawLink{t: r.t, ws: ws, epoch: epoch}
	r.t.Cleanup(l.close)
	l.write(protocol.TypeHello, protocol.Hello{AgentVersion: "raw", Kind: "pc", Epoch: epoch})
	_, frame, err := ws.ReadMessage()
	require.NoError(r.t, err)
	env, err := protocol.Decode(frame)
	require.NoError(r.t, err)
	require.Equal(r.t, protocol.TypeWelcome, env.Type)
	require.NoError(r.t, protocol.DecodeBody(env, &l.welcome))
	go l.read()
	return l
}

func (l *rawLink) write(typ string, body any) {
	frame, err := protocol.Encode(fmt.Sprint(time.Now().UnixNano()), typ, body)
	require.NoError(l.t, err)
	require.NoError(l.t, l.ws.WriteMessage(websocket.TextMessage, frame))
}

func (l *rawLink) event(seq uint64, kind, data string) {
	l.write(protocol.TypeEvent, protocol.Event{Epoch: l.epoch, Seq: seq, Kind: kind, At: time.Now().UTC(), Data: json.RawMessage(data)})
}

func (l *rawLink) read() {
	for {
		_, frame, err := l.ws.ReadMessage()
		if err != nil {
			l.mu.Lock()
			l.closed, l.err = true, err
			l.mu.Unlock()
			return
		}
		env, err := protocol.Decode(frame)
		if err != nil || env.Type != protocol.TypeAck {
			continue // policy, commands: not this test's business
		}
		var ack protocol.Ack
		if protocol.DecodeBody(env, &ack) == nil {
			l.mu.Lock()
			l.acked = max(l.acked, ack.Seq)
			l.mu.Unlock()
		}
	}
}

// waitAck waits until seq is acked on this link, failing if the link closes.
func (l *rawLink) waitAck(seq uint64) {
	l.t.Helper()
	eventually(l.t, 30*time.Second, func() bool {
		l.mu.Lock()
		defer l.mu.Unlock()
		if l.closed {
			l.t.Fatalf("the fleet closed the link before acking seq %d: %v", seq, l.err)
		}
		return l.acked >= seq
	}, fmt.Sprintf("seq %d not acked", seq))
}

func (l *rawLink) close() { l.ws.Close() }

// metric reads one series of the fleet's /metrics, 0 when absent.
func (f *fleet) metric(series string) float64 {
	f.t.Helper()
	resp, err := http.Get(f.metricsURL())
	require.NoError(f.t, err)
	defer resp.Body.Close()
	require.Equal(f.t, http.StatusOK, resp.StatusCode, "metrics")
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), series+" "); ok {
			var n float64
			_, err := fmt.Sscan(v, &n)
			require.NoError(f.t, err)
			return n
		}
	}
	return 0
}

// rejectedEvents lists the events kept aside as "terminal epoch seq kind".
func rejectedEvents(t *testing.T, f *fleet) []string {
	db, err := sql.Open("sqlite", "file:"+filepath.Join(f.data, "piste.db")+"?mode=ro&_pragma=busy_timeout(5000)")
	require.NoError(t, err)
	defer db.Close()
	rows, err := db.Query(`SELECT terminal_id, epoch, seq, kind FROM rejected_events ORDER BY id`)
	require.NoError(t, err)
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id, epoch, kind string
		var seq uint64
		require.NoError(t, rows.Scan(&id, &epoch, &seq, &kind))
		out = append(out, fmt.Sprintf("%s %s %d %s", id, epoch, seq, kind))
	}
	require.NoError(t, rows.Err())
	return out
}
