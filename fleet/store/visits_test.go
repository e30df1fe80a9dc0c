package store

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"piste/fleet/protocol"
)

func openTest(t testing.TB) (*Store, Terminal) {
	st, err := Open(t.TempDir())
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	ctx := context.Background()
	require.NoError(t, st.AddBranch(ctx, Branch{ID: "kallio", Name: "Kallio", TZ: "Europe/Helsinki"}))
	require.NoError(t, st.AddEnrollCode(ctx, "code", "kallio", 10, time.Now().Add(time.Hour)))
	term, err := st.Enroll(ctx, "code", Terminal{ID: "t-1", Name: "pc", Kind: "pc", TokenHash: "tok"}, time.Now())
	require.NoError(t, err)
	return st, term
}

func ingest(t testing.TB, st *Store, seq uint64, kind string, data any) error {
	raw, _ := json.Marshal(data)
	if s, ok := data.(string); ok {
		raw = []byte(s)
	}
	_, err := st.Ingest(context.Background(), []Incoming{{TerminalID: "t-1", ReceivedAt: time.Now(),
		Event: protocol.Event{Epoch: "e", Seq: seq, Kind: kind, At: time.Now(), Data: raw}}})
	return err
}

func TestQuotaCountsGrantsThenMinutesUsed(t *testing.T) {
	st, term := openTest(t)
	ctx := context.Background()
	now := time.Now().UTC()
	grant := func(id string, minutes int) {
		_, err := st.GrantSession(ctx, VisitorSession{ID: id, TerminalID: term.ID, Branch: "kallio", Kind: "card",
			CardHash: "h", Day: "2026-11-27", GrantedAt: now}, func(int) (int, error) { return minutes, nil })
		require.NoError(t, err)
	}
	grant("s-1", 60)
	grant("s-2", 30)
	used, err := st.QuotaUsed(ctx, "h", "2026-11-27")
	require.NoError(t, err)
	assert.Equal(t, 90, used)
	end := protocol.SessionEvent{SessionID: "s-1", Kind: "card", Phase: "end", StartedAt: now, EndedAt: now.Add(5 * time.Minute), MinutesUsed: 5}
	require.NoError(t, ingest(t, st, 1, protocol.EventSession, end))
	require.NoError(t, ingest(t, st, 1, protocol.EventSession, end), "a resend is dropped")
	used, _ = st.QuotaUsed(ctx, "h", "2026-11-27")
	assert.Equal(t, 35, used)
	active, err := st.ActiveSessions(ctx, "", now)
	require.NoError(t, err)
	require.Len(t, active, 1)
	assert.Equal(t, "s-2", active[0].ID)

	refused := errors.New("no")
	_, err = st.GrantSession(ctx, VisitorSession{ID: "s-3", TerminalID: term.ID, CardHash: "h", Day: "2026-11-27", GrantedAt: now},
		func(used int) (int, error) { assert.Equal(t, 35, used); return 0, refused })
	assert.ErrorIs(t, err, refused)
	_, err = st.VisitorSession(ctx, "s-3")
	assert.ErrorIs(t, err, ErrNotFound, "a refused grant stores nothing")
}

func TestWalkupSessionFromTheTerminalIsRecorded(t *testing.T) {
	st, _ := openTest(t)
	now := time.Now().UTC()
	require.NoError(t, ingest(t, st, 1, protocol.EventSession, protocol.SessionEvent{SessionID: "w-1", Kind: "walkup", Phase: "start", StartedAt: now}))
	require.NoError(t, ingest(t, st, 2, protocol.EventSession, protocol.SessionEvent{SessionID: "w-1", Kind: "walkup", Phase: "end", StartedAt: now, EndedAt: now.Add(20 * time.Minute), MinutesUsed: 20}))
	s, err := st.VisitorSession(context.Background(), "w-1")
	require.NoError(t, err)
	assert.Equal(t, "walkup", s.Kind)
	assert.Equal(t, 20, s.UsedMin)
	assert.False(t, s.EndedAt.IsZero())
}

func TestReservationsOverlapAndQueue(t *testing.T) {
	st, term := openTest(t)
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Millisecond)
	r := Reservation{ID: "r-1", TerminalID: term.ID, Branch: "kallio", CardHash: "a", CardHint: "0001",
		StartsAt: now.Add(time.Hour), Until: now.Add(2 * time.Hour), HoldUntil: now.Add(time.Hour + 10*time.Minute), Source: ReservationBooked}
	require.NoError(t, st.AddReservation(ctx, r, now))
	clash := r
	clash.ID, clash.StartsAt = "r-2", now.Add(90*time.Minute)
	assert.ErrorIs(t, st.AddReservation(ctx, clash, now), ErrConflict)
	later := r
	later.ID, later.StartsAt, later.Until, later.HoldUntil = "r-3", now.Add(2*time.Hour), now.Add(3*time.Hour), now.Add(2*time.Hour+10*time.Minute)
	require.NoError(t, st.AddReservation(ctx, later, now))
	live, err := st.LiveReservations(ctx, "kallio", "", now)
	require.NoError(t, err)
	require.Len(t, live, 2)
	assert.Equal(t, "r-1", live[0].ID)
	live, _ = st.LiveReservations(ctx, "", term.ID, now.Add(time.Hour+11*time.Minute))
	require.Len(t, live, 1, "r-1 lapsed: nobody came during its hold")
	assert.Equal(t, "r-3", live[0].ID)

	for i, h := range []string{"x", "y", "x"} {
		pos, err := st.Enqueue(ctx, QueueEntry{Branch: "kallio", CardHash: h, CardHint: h, CreatedAt: now})
		require.NoError(t, err)
		assert.Equal(t, []int{1, 2, 1}[i], pos)
	}
	hold := func(e QueueEntry) Reservation {
		return Reservation{ID: "q-" + e.CardHash, CardHash: e.CardHash, CardHint: e.CardHint, StartsAt: now, Until: now.Add(10 * time.Minute), HoldUntil: now.Add(10 * time.Minute)}
	}
	got, held, err := st.HoldForQueue(ctx, term.ID, now, hold)
	require.NoError(t, err)
	require.True(t, held)
	assert.Equal(t, "x", got.CardHash)
	_, held, err = st.HoldForQueue(ctx, term.ID, now, hold)
	require.NoError(t, err)
	assert.False(t, held, "a terminal already held is not given twice")
}

func TestPINLockout(t *testing.T) {
	st, _ := openTest(t)
	ctx := context.Background()
	now := time.Now()
	for i := 1; i <= 2; i++ {
		until, err := st.PINFailed(ctx, "h", 3, time.Minute, now)
		require.NoError(t, err)
		assert.True(t, until.IsZero(), "failure %d", i)
	}
	until, err := st.PINFailed(ctx, "h", 3, time.Minute, now)
	require.NoError(t, err)
	assert.WithinDuration(t, now.Add(time.Minute), until, time.Millisecond)
	lock, _ := st.PINLock(ctx, "h", now.Add(30*time.Second))
	assert.False(t, lock.IsZero())
	lock, _ = st.PINLock(ctx, "h", now.Add(61*time.Second))
	assert.True(t, lock.IsZero())
	require.NoError(t, st.PINSucceeded(ctx, "h"))
	until, _ = st.PINFailed(ctx, "h", 3, time.Minute, now)
	assert.True(t, until.IsZero(), "a success resets the count")
}

func TestUnreadableWipeReceiptRaisesAnAlert(t *testing.T) {
	st, _ := openTest(t)
	require.NoError(t, ingest(t, st, 1, protocol.EventWipe, `{"verified": "yes"}`), "the batch is not failed")
	alerts, err := st.OpenAlerts(context.Background())
	require.NoError(t, err)
	require.Len(t, alerts, 1)
	assert.Contains(t, alerts[0].Detail, "unreadable wipe receipt")
}

// FuzzVisitorEvents feeds the data of session and wipe events, which come
// from terminals, to the ingest: it must never fail the batch (the agent
// would resend it for ever) nor panic.
func FuzzVisitorEvents(f *testing.F) {
	f.Add(true, []byte(`{"session_id":"s-1","kind":"card","phase":"end","minutes_used":5,"started_at":"2026-11-27T10:00:00Z"}`))
	f.Add(false, []byte(`{"session_id":"s","trigger":"timeout","verified":false,"failures":[{"step":"home","path":"/x","error":"e"}]}`))
	f.Add(false, []byte(`null`))
	f.Add(true, []byte(`{"session_id":"","phase":"end","minutes_used":-5}`))
	st, _ := openTest(f)
	var seq uint64
	f.Fuzz(func(t *testing.T, session bool, data []byte) {
		if !json.Valid(data) {
			return // the link refuses a frame that is not JSON before it reaches the store
		}
		kind := protocol.EventWipe
		if session {
			kind = protocol.EventSession
		}
		seq++
		_, err := st.Ingest(context.Background(), []Incoming{{TerminalID: "t-1", ReceivedAt: time.Now(),
			Event: protocol.Event{Epoch: "fuzz", Seq: seq, Kind: kind, At: time.Now(), Data: data}}})
		if err != nil {
			t.Fatalf("ingest %s %q: %v", kind, data, err)
		}
	})
}
