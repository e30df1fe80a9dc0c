package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"piste/fleet/protocol"
)

// enrollMore adds terminals t-2 … t-n next to openTest's t-1.
func enrollMore(t *testing.T, st *Store, n int) {
	ctx := context.Background()
	require.NoError(t, st.AddEnrollCode(ctx, "more", "kallio", n, time.Now().Add(time.Hour)))
	for i := 2; i <= n; i++ {
		_, err := st.Enroll(ctx, "more", Terminal{ID: fmt.Sprintf("t-%d", i), Name: fmt.Sprintf("pc-%d", i), Kind: "pc",
			TokenHash: fmt.Sprintf("tok-%d", i)}, time.Now())
		require.NoError(t, err)
	}
}

func event(terminal string, seq uint64, kind, data string) Incoming {
	return Incoming{TerminalID: terminal, ReceivedAt: time.Now(),
		Event: protocol.Event{Epoch: "e-" + terminal, Seq: seq, Kind: kind, At: time.Now(), Data: json.RawMessage(data)}}
}

func countRows(t *testing.T, st *Store, query string, args ...any) int {
	var n int
	require.NoError(t, st.r.QueryRowContext(context.Background(), query, args...).Scan(&n))
	return n
}

// A batch mixing good and bad events from several terminals: the good are
// stored once, the bad kept aside with an alert, and nothing fails.
func TestIngestKeepsBadDataAsideAndStoresTheRest(t *testing.T) {
	st, _ := openTest(t)
	enrollMore(t, st, 3)
	ctx := context.Background()
	health := `{"cpu_percent":12,"mem_used_percent":40,"disk_used_percent":50,"uptime_seconds":99}`
	batch := []Incoming{
		event("t-1", 1, protocol.EventHealth, health),
		event("t-2", 1, protocol.EventHealth, `"not a health sample"`),
		event("t-3", 1, protocol.EventState, `{"state":"idle"}`),
		event("t-2", 2, protocol.EventTest, `{"n":1}`),
		event("t-3", 2, protocol.EventCommandResult, `{"command_id":"c-1","status":"maybe"}`),
		event("t-1", 2, "from_the_future", `{"x":1}`),
		event("t-1", 3, protocol.EventState, `{"state":""}`),
		event("t-3", 3, protocol.EventHealth, health),
	}
	out, err := st.Ingest(ctx, batch)
	require.NoError(t, err, "bad data must not fail the batch")
	require.Len(t, out, len(batch))
	for i, want := range []bool{true, false, true, true, false, true, false, true} {
		assert.Equal(t, want, out[i].Stored, "event %d stored", i)
		assert.Equal(t, !want, out[i].Rejected != "", "event %d rejected: %q", i, out[i].Rejected)
	}
	assert.Contains(t, out[1].Rejected, "health data")
	assert.Contains(t, out[4].Rejected, "status must be done or failed")
	assert.Contains(t, out[6].Rejected, "state must be 1 to 64 characters")

	assert.Equal(t, 2, countRows(t, st, `SELECT COUNT(*) FROM health_samples`))
	assert.Equal(t, 1, countRows(t, st, `SELECT COUNT(*) FROM events WHERE kind = 'from_the_future'`),
		"a kind from a newer agent is kept as sent")
	assert.Equal(t, 3, countRows(t, st, `SELECT COUNT(*) FROM rejected_events`))

	rejected, err := st.RejectedEvents(ctx, "t-2", 10)
	require.NoError(t, err)
	require.Len(t, rejected, 1)
	assert.Equal(t, RejectedEvent{TerminalID: "t-2", Epoch: "e-t-2", Seq: 1, Kind: protocol.EventHealth,
		Reason: out[1].Rejected, At: rejected[0].At, ReceivedAt: rejected[0].ReceivedAt,
		Data: `"not a health sample"`, DataBytes: len(`"not a health sample"`)}, rejected[0])

	alerts, err := st.OpenAlerts(ctx)
	require.NoError(t, err)
	byTerminal := map[string]Alert{}
	for _, a := range alerts {
		assert.Equal(t, AlertEventRejected, a.Kind)
		byTerminal[a.TerminalID] = a
	}
	assert.Len(t, byTerminal, 3, "one alert per terminal")
	assert.Contains(t, byTerminal["t-2"].Detail, "health event e-t-2/1 not accepted")

	for _, key := range [][2]string{{"t-1", "e-t-1"}, {"t-2", "e-t-2"}, {"t-3", "e-t-3"}} {
		seq, err := st.OutboxCursor(ctx, key[0], key[1])
		require.NoError(t, err)
		assert.Equal(t, uint64(len(filter(batch, key[0]))), seq, "cursor of %s covers every event, kept aside or not", key[0])
	}

	// The whole batch again, as after a reconnect: nothing is stored or
	// kept aside twice.
	out, err = st.Ingest(ctx, batch)
	require.NoError(t, err)
	for i, o := range out {
		assert.Equal(t, Outcome{}, o, "resent event %d", i)
	}
	assert.Equal(t, 2, countRows(t, st, `SELECT COUNT(*) FROM health_samples`))
	assert.Equal(t, 3, countRows(t, st, `SELECT COUNT(*) FROM rejected_events`))
}

func filter(batch []Incoming, terminal string) []Incoming {
	var out []Incoming
	for _, in := range batch {
		if in.TerminalID == terminal {
			out = append(out, in)
		}
	}
	return out
}

// Each kind's rules, through the store: what is kept aside and what is not.
func TestIngestRulesPerKind(t *testing.T) {
	cases := []struct {
		name, kind, data string
		rejected         string // part of the reason; empty when accepted
	}{
		{"health ok", protocol.EventHealth, `{"cpu_percent":0,"mem_used_percent":100,"disk_used_percent":3}`, ""},
		{"health with unknown field", protocol.EventHealth, `{"cpu_percent":1,"gpu_percent":5}`, ""},
		{"health not an object", protocol.EventHealth, `[1,2]`, "cannot unmarshal"},
		{"health wrong type", protocol.EventHealth, `{"cpu_percent":"high"}`, "cannot unmarshal"},
		{"health out of range", protocol.EventHealth, `{"cpu_percent":250}`, "cpu_percent must be from 0 to 100, got 250"},
		{"health negative uptime", protocol.EventHealth, `{"uptime_seconds":-1}`, "cannot unmarshal"},
		{"health without data", protocol.EventHealth, ``, "health event has no data"},
		{"health null", protocol.EventHealth, `null`, "health event has no data"},
		{"state ok", protocol.EventState, `{"state":"active"}`, ""},
		{"state too long", protocol.EventState, `{"state":"` + strings.Repeat("x", 65) + `"}`, "state must be 1 to 64"},
		{"command result ok", protocol.EventCommandResult, `{"command_id":"c","status":"failed","error":"e"}`, ""},
		{"command result without id", protocol.EventCommandResult, `{"status":"done"}`, "command_id must be"},
		{"session ok", protocol.EventSession, `{"session_id":"s-1","kind":"walkup","phase":"start"}`, ""},
		{"session without id", protocol.EventSession, `{"phase":"end"}`, "session_id must be"},
		{"session negative minutes", protocol.EventSession, `{"session_id":"s","phase":"end","minutes_used":-5}`, "minutes_used"},
		{"wipe ok", protocol.EventWipe, `{"session_id":"s","trigger":"end","verified":true}`, ""},
		{"test anything", protocol.EventTest, `"x"`, ""},
		{"unknown kind", "signage_played", `[1]`, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st, _ := openTest(t)
			out, err := st.Ingest(context.Background(), []Incoming{event("t-1", 1, tc.kind, tc.data)})
			require.NoError(t, err)
			if tc.rejected == "" {
				assert.Equal(t, Outcome{Stored: true}, out[0])
				assert.Zero(t, countRows(t, st, `SELECT COUNT(*) FROM rejected_events`))
				return
			}
			assert.False(t, out[0].Stored)
			assert.Contains(t, out[0].Rejected, tc.rejected)
			assert.Equal(t, 1, countRows(t, st, `SELECT COUNT(*) FROM rejected_events WHERE kind = ?`, tc.kind))
		})
	}
}

// Only the start of a huge bad event is kept, with its whole length.
func TestRejectedDataIsBounded(t *testing.T) {
	st, _ := openTest(t)
	data := `{"cpu_percent":"` + strings.Repeat("é", 20000) + `"}`
	_, err := st.Ingest(context.Background(), []Incoming{event("t-1", 1, protocol.EventHealth, data)})
	require.NoError(t, err)
	rejected, err := st.RejectedEvents(context.Background(), "t-1", 1)
	require.NoError(t, err)
	require.Len(t, rejected, 1)
	assert.LessOrEqual(t, len(rejected[0].Data), MaxRejectedData)
	assert.Greater(t, len(rejected[0].Data), MaxRejectedData-4)
	assert.Equal(t, len(data), rejected[0].DataBytes)
	assert.True(t, strings.HasPrefix(data, rejected[0].Data))
}

// An unreadable wipe receipt is kept aside and, failing closed, raises the
// wipe alert rather than a second one.
func TestUnreadableWipeReceiptIsKeptAside(t *testing.T) {
	st, _ := openTest(t)
	require.NoError(t, ingest(t, st, 1, protocol.EventWipe, `{"verified": "yes"}`))
	assert.Equal(t, 1, countRows(t, st, `SELECT COUNT(*) FROM rejected_events WHERE kind = 'wipe'`))
	alerts, err := st.OpenAlerts(context.Background())
	require.NoError(t, err)
	require.Len(t, alerts, 1)
	assert.Equal(t, AlertWipeFailed, alerts[0].Kind)
}

func TestPruneRejected(t *testing.T) {
	st, _ := openTest(t)
	old := event("t-1", 1, protocol.EventHealth, `"x"`)
	old.ReceivedAt = time.Now().Add(-2 * RejectedRetention)
	_, err := st.Ingest(context.Background(), []Incoming{old, event("t-1", 2, protocol.EventHealth, `"y"`)})
	require.NoError(t, err)
	require.NoError(t, st.PruneRejected(context.Background(), time.Now().Add(-RejectedRetention)))
	rejected, err := st.RejectedEvents(context.Background(), "t-1", 10)
	require.NoError(t, err)
	require.Len(t, rejected, 1)
	assert.Equal(t, uint64(2), rejected[0].Seq)
}

// BenchmarkIngestHealthBatch commits batches of 300 health events, about
// what 10,000 terminals at a 30 s heartbeat send in one second.
func BenchmarkIngestHealthBatch(b *testing.B) {
	st, _ := openTest(b)
	data := json.RawMessage(`{"cpu_percent":12.5,"mem_used_percent":40.1,"disk_used_percent":51.2,"uptime_seconds":99999,"agent_rss_bytes":18874368}`)
	var seq uint64
	batch := make([]Incoming, 300)
	for b.Loop() {
		for i := range batch {
			seq++
			batch[i] = Incoming{TerminalID: "t-1", ReceivedAt: time.Now(),
				Event: protocol.Event{Epoch: "bench", Seq: seq, Kind: protocol.EventHealth, At: time.Now(), Data: data}}
		}
		if _, err := st.Ingest(context.Background(), batch); err != nil {
			b.Fatal(err)
		}
	}
}
