package hub

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"piste/fleet/auth"
	"piste/fleet/protocol"
	"piste/fleet/store"
)

// testLink is a terminal's end of a real WebSocket to the hub.
type testLink struct {
	t  *testing.T
	id string
	ws *websocket.Conn
}

func startHub(t *testing.T, terminals int) (*Hub, *store.Store, *prometheus.Registry, []*testLink) {
	st, err := store.Open(t.TempDir())
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	ctx := context.Background()
	require.NoError(t, st.AddBranch(ctx, store.Branch{ID: "kallio", Name: "Kallio", TZ: "Europe/Helsinki"}))
	require.NoError(t, st.AddEnrollCode(ctx, "code", "kallio", terminals, time.Now().Add(time.Hour)))
	reg := prometheus.NewRegistry()
	h := New(st, Config{}, NewMetrics(reg), slog.New(slog.DiscardHandler))
	srv := httptest.NewServer(h)
	t.Cleanup(func() { h.Close(); srv.Close() })

	links := make([]*testLink, terminals)
	for i := range links {
		token := auth.NewToken()
		term, err := st.Enroll(ctx, "code", store.Terminal{ID: fmt.Sprintf("t-%02d", i), Name: fmt.Sprintf("pc-%02d", i),
			Kind: "pc", TokenHash: auth.HashToken(token)}, time.Now())
		require.NoError(t, err)
		ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http"), http.Header{"Authorization": {"Bearer " + token}})
		require.NoError(t, err)
		t.Cleanup(func() { ws.Close() })
		l := &testLink{t: t, id: term.ID, ws: ws}
		l.write(protocol.TypeHello, protocol.Hello{AgentVersion: "test", Kind: "pc", Epoch: "e-" + term.ID})
		require.Equal(t, protocol.TypeWelcome, l.read().Type)
		links[i] = l
	}
	return h, st, reg, links
}

func (l *testLink) write(typ string, body any) {
	frame, err := protocol.Encode(auth.NewID(8), typ, body)
	require.NoError(l.t, err)
	require.NoError(l.t, l.ws.WriteMessage(websocket.TextMessage, frame))
}

func (l *testLink) event(seq uint64, kind, data string) {
	l.write(protocol.TypeEvent, protocol.Event{Epoch: "e-" + l.id, Seq: seq, Kind: kind, At: time.Now(), Data: json.RawMessage(data)})
}

// read returns the next frame; a closed link fails the test.
func (l *testLink) read() protocol.Envelope {
	l.ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, frame, err := l.ws.ReadMessage()
	require.NoError(l.t, err, "link of %s", l.id)
	env, err := protocol.Decode(frame)
	require.NoError(l.t, err)
	return env
}

// acks reads n event acks and returns their sequences.
func (l *testLink) acks(n int) []uint64 {
	var seqs []uint64
	for len(seqs) < n {
		env := l.read()
		if env.Type != protocol.TypeAck {
			continue
		}
		var ack protocol.Ack
		require.NoError(l.t, protocol.DecodeBody(env, &ack))
		seqs = append(seqs, ack.Seq)
	}
	return seqs
}

// One batch holds good and bad events from several terminals: every event
// is acked, the good are stored once, the bad kept aside, and every link
// stays up to carry the next event.
func TestBadEventInABatchFailsNothingElse(t *testing.T) {
	h, st, reg, links := startHub(t, 4)
	health := `{"cpu_percent":10,"mem_used_percent":20,"disk_used_percent":30}`
	sent := map[string][]struct{ kind, data string }{
		"t-00": {{protocol.EventHealth, health}, {protocol.EventTest, `{}`}},
		"t-01": {{protocol.EventHealth, `{"cpu_percent":"very"}`}, {protocol.EventHealth, health}},
		"t-02": {{protocol.EventCommandResult, `17`}, {protocol.EventState, `{"state":"idle"}`}},
		"t-03": {{"newer_kind", `{"a":1}`}, {protocol.EventTest, `[]`}},
	}
	for _, l := range links {
		for i, ev := range sent[l.id] {
			l.event(uint64(i+1), ev.kind, ev.data)
		}
	}
	// Start committing only once every event waits, so that they share
	// one batch as they would under load.
	require.Eventually(t, func() bool { return len(h.ingest) == 8 }, 10*time.Second, time.Millisecond)
	h.Run()

	for _, l := range links {
		assert.Equal(t, []uint64{1, 2}, l.acks(2), "acks of %s", l.id)
	}
	assert.Equal(t, 1.0, metric(t, reg, "piste_ingest_batch_seconds", ""), "the events shared one batch")
	assert.Equal(t, 1.0, metric(t, reg, "piste_events_rejected_total", "health"))
	assert.Equal(t, 1.0, metric(t, reg, "piste_events_rejected_total", "command_result"))
	assert.Equal(t, 2.0, metric(t, reg, "piste_events_stored_total", "health"))
	assert.Equal(t, 1.0, metric(t, reg, "piste_events_stored_total", "other"), "a newer agent's kind is stored under one label")
	assert.Len(t, h.OnlineIDs(), 4)

	ctx := context.Background()
	for id, want := range map[string]int{"t-00": 0, "t-01": 1, "t-02": 1, "t-03": 0} {
		rejected, err := st.RejectedEvents(ctx, id, 10)
		require.NoError(t, err)
		assert.Len(t, rejected, want, "kept aside for %s", id)
	}
	alerts, err := st.OpenAlerts(ctx)
	require.NoError(t, err)
	assert.Len(t, alerts, 2)

	// Resent after a lost ack: acked again, counted as duplicates, nothing
	// kept aside twice; and each link still carries a new event.
	for _, l := range links {
		l.event(1, sent[l.id][0].kind, sent[l.id][0].data)
		l.event(3, protocol.EventTest, `{}`)
		assert.Equal(t, []uint64{1, 3}, l.acks(2), "acks of %s", l.id)
	}
	assert.Equal(t, 4.0, metric(t, reg, "piste_events_duplicate_total", ""))
	assert.Equal(t, 1.0, metric(t, reg, "piste_events_rejected_total", "health"))
	assert.Len(t, h.OnlineIDs(), 4)
}

// metric reads a counter's value, or a histogram's number of samples, of
// the series with the given kind label ("" for none).
func metric(t *testing.T, reg *prometheus.Registry, name, kind string) float64 {
	families, err := reg.Gather()
	require.NoError(t, err)
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			label := ""
			for _, l := range m.GetLabel() {
				if l.GetName() == "kind" {
					label = l.GetValue()
				}
			}
			if label != kind {
				continue
			}
			if h := m.GetHistogram(); h != nil {
				return float64(h.GetSampleCount())
			}
			return m.GetCounter().GetValue()
		}
	}
	return 0
}
