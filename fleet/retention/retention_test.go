package retention

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"piste/fleet/protocol"
	"piste/fleet/store"
)

// fixture is a fleet database with one branch and one terminal, filled
// through the store's own writes at chosen times.
type fixture struct {
	t   *testing.T
	st  *store.Store
	ctx context.Context
	seq uint64
}

func newFixture(t *testing.T) *fixture {
	st, err := store.Open(t.TempDir())
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	f := &fixture{t: t, st: st, ctx: context.Background()}
	require.NoError(t, st.AddBranch(f.ctx, store.Branch{ID: "kallio", Name: "Kallio", TZ: "Europe/Helsinki"}))
	require.NoError(t, st.AddEnrollCode(f.ctx, "code", "kallio", 10, at("2030-01-01 00:00")))
	_, err = st.Enroll(f.ctx, "code", store.Terminal{ID: "t-1", Name: "pc", Kind: "pc", TokenHash: "tok"}, at("2025-01-01 00:00"))
	require.NoError(t, err)
	return f
}

func at(s string) time.Time {
	t, err := time.Parse("2006-01-02 15:04", s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

// grant stores a card session granted at a time for some minutes.
func (f *fixture) grant(id, card, day string, granted time.Time, minutes int) {
	_, err := f.st.GrantSession(f.ctx, store.VisitorSession{ID: id, TerminalID: "t-1", Branch: "kallio",
		Kind: string(protocol.SessionCard), CardHash: card, Day: day, GrantedAt: granted},
		func(int) (int, error) { return minutes, nil })
	require.NoError(f.t, err)
}

// event delivers an event from the terminal, received at a time.
func (f *fixture) event(kind string, received time.Time, data any) {
	raw, err := json.Marshal(data)
	require.NoError(f.t, err)
	f.seq++
	_, err = f.st.Ingest(f.ctx, []store.Incoming{{TerminalID: "t-1", ReceivedAt: received,
		Event: protocol.Event{Epoch: "e", Seq: f.seq, Kind: kind, At: received, Data: raw}}})
	require.NoError(f.t, err)
}

func (f *fixture) endSession(id string, kind protocol.SessionKind, started, ended time.Time, minutes int) {
	f.event(protocol.EventSession, ended, protocol.SessionEvent{SessionID: id, Kind: kind, Phase: protocol.PhaseEnd,
		StartedAt: started, EndedAt: ended, MinutesUsed: minutes})
}

func (f *fixture) reserve(id, source string, starts, until time.Time, claimed bool) {
	require.NoError(f.t, f.st.AddReservation(f.ctx, store.Reservation{ID: id, TerminalID: "t-1", Branch: "kallio",
		CardHash: "card-" + id, CardHint: "0001", StartsAt: starts, Until: until, HoldUntil: starts.Add(15 * time.Minute),
		Source: source, CreatedBy: "test", CreatedAt: starts.Add(-time.Hour)}, starts.Add(-time.Hour)))
	if claimed {
		require.NoError(f.t, f.st.ClaimReservation(f.ctx, id, starts.Add(5*time.Minute)))
	}
}

func TestPruneTurnsOldVisitorRowsIntoDailyStatistics(t *testing.T) {
	f := newFixture(t)
	ctx := f.ctx
	now := at("2026-06-10 12:00")

	// Visitor sessions: two old card sessions (one never reported its
	// end), an old walk-up, one from yesterday and today's.
	f.grant("s-old-1", "card-a", "2026-06-05", at("2026-06-05 10:00"), 30)
	f.endSession("s-old-1", protocol.SessionCard, at("2026-06-05 10:00"), at("2026-06-05 10:25"), 25)
	f.grant("s-old-2", "card-a", "2026-06-05", at("2026-06-05 11:00"), 30)
	f.endSession("s-walkup", protocol.SessionWalkup, at("2026-06-05 13:00"), at("2026-06-05 13:20"), 20)
	f.grant("s-yesterday", "card-b", "2026-06-09", at("2026-06-09 13:00"), 60)
	f.grant("s-today", "card-a", "2026-06-10", at("2026-06-10 11:00"), 45)

	// Reservations: an old claimed one, an old queue hold that began
	// after midnight in Helsinki (but not in UTC), one that ended this
	// morning and a future one.
	f.reserve("r-old", store.ReservationBooked, at("2026-06-05 09:00"), at("2026-06-05 10:00"), true)
	f.reserve("r-night", store.ReservationQueue, at("2026-06-08 22:30"), at("2026-06-08 23:00"), false)
	f.reserve("r-morning", store.ReservationBooked, at("2026-06-10 08:00"), at("2026-06-10 09:00"), false)
	f.reserve("r-future", store.ReservationBooked, at("2026-06-11 10:00"), at("2026-06-11 11:00"), false)

	// PIN failures: an old one, an old one whose lock still runs, a new one.
	_, err := f.st.PINFailed(ctx, "pin-old", 5, time.Minute, at("2026-06-05 10:00"))
	require.NoError(t, err)
	_, err = f.st.PINFailed(ctx, "pin-locked", 1, 30*24*time.Hour, at("2026-06-05 10:00"))
	require.NoError(t, err)
	_, err = f.st.PINFailed(ctx, "pin-new", 5, time.Minute, at("2026-06-10 11:00"))
	require.NoError(t, err)

	// Guest passes: one expired unused, one spent long ago, one still valid.
	require.NoError(t, f.st.AddGuestPasses(ctx, []string{"g-expired"}, "kallio", 60, at("2026-06-06 00:00"), at("2026-06-01 00:00")))
	require.NoError(t, f.st.AddGuestPasses(ctx, []string{"g-spent", "g-valid"}, "kallio", 60, at("2026-06-20 00:00"), at("2026-06-01 00:00")))
	_, err = f.st.RedeemGuestPass(ctx, "g-spent", "kallio", "t-1", at("2026-06-05 10:00"))
	require.NoError(t, err)

	// Walk-up queue: one left behind days ago, one waiting now.
	_, err = f.st.Enqueue(ctx, store.QueueEntry{Branch: "kallio", CardHash: "q-old", CardHint: "0001", CreatedAt: at("2026-06-05 10:00")})
	require.NoError(t, err)
	_, err = f.st.Enqueue(ctx, store.QueueEntry{Branch: "kallio", CardHash: "q-now", CardHint: "0002", CreatedAt: at("2026-06-10 11:50")})
	require.NoError(t, err)

	// Events, wipe receipts and audit, each one side of its limit.
	f.event(protocol.EventTest, at("2026-05-01 00:00"), map[string]string{"n": "old"})
	f.event(protocol.EventTest, at("2026-06-01 00:00"), map[string]string{"n": "new"})
	// The old failed wipe raised an alert the next wipe closed.
	f.event(protocol.EventWipe, at("2026-03-01 00:00"), protocol.WipeReceipt{SessionID: "w-failed", Trigger: "end", Verified: false,
		StartedAt: at("2026-03-01 00:00"), EndedAt: at("2026-03-01 00:00"), Failures: []protocol.WipeFailure{{Step: "home"}}})
	f.event(protocol.EventWipe, at("2026-03-02 00:00"), protocol.WipeReceipt{SessionID: "w-old", Trigger: "end", Verified: true,
		StartedAt: at("2026-03-02 00:00"), EndedAt: at("2026-03-02 00:00")})
	f.event(protocol.EventWipe, at("2026-05-01 00:00"), protocol.WipeReceipt{SessionID: "w-new", Trigger: "end", Verified: true,
		StartedAt: at("2026-05-01 00:00"), EndedAt: at("2026-05-01 00:00")})
	require.NoError(t, f.st.Audit(ctx, store.AuditEntry{At: at("2025-05-01 00:00"), Actor: "cli", Action: "old", Target: "x"}))
	require.NoError(t, f.st.Audit(ctx, store.AuditEntry{At: at("2026-01-01 00:00"), Actor: "cli", Action: "new", Target: "x"}))

	// Refusals are counted as they happen and never kept as rows.
	require.NoError(t, f.st.CountRefusal(ctx, "kallio", "2026-06-10", string(protocol.RefusalWrongPIN)))
	require.NoError(t, f.st.CountRefusal(ctx, "kallio", "2026-06-10", string(protocol.RefusalWrongPIN)))

	p := &Pruner{Store: f.st, Config: Defaults(), Now: func() time.Time { return now }}
	pruned, err := p.Once(ctx)
	require.NoError(t, err)
	assert.Equal(t, store.Pruned{Sessions: 3, Reservations: 2, PINFailures: 1, GuestPasses: 2, Queue: 1,
		Events: 4, WipeReceipts: 2, Alerts: 1, Audit: 1}, pruned)

	stats, err := f.st.DailyStats(ctx, "kallio", "2026-06-01", "2026-06-30")
	require.NoError(t, err)
	assert.Equal(t, []store.DailyStat{
		{Branch: "kallio", Day: "2026-06-05", Metric: store.StatMinutes, Key: string(protocol.SessionCard), N: 55},
		{Branch: "kallio", Day: "2026-06-05", Metric: store.StatMinutes, Key: string(protocol.SessionWalkup), N: 20},
		{Branch: "kallio", Day: "2026-06-05", Metric: store.StatReservations, Key: store.ReservationBooked, N: 1},
		{Branch: "kallio", Day: "2026-06-05", Metric: store.StatReservationsClaimed, Key: store.ReservationBooked, N: 1},
		{Branch: "kallio", Day: "2026-06-05", Metric: store.StatSessions, Key: string(protocol.SessionCard), N: 2},
		{Branch: "kallio", Day: "2026-06-05", Metric: store.StatSessions, Key: string(protocol.SessionWalkup), N: 1},
		{Branch: "kallio", Day: "2026-06-09", Metric: store.StatReservations, Key: store.ReservationQueue, N: 1},
		{Branch: "kallio", Day: "2026-06-10", Metric: store.StatRefusals, Key: string(protocol.RefusalWrongPIN), N: 2},
	}, stats)

	// What quotas and reservations still need stays.
	used, err := f.st.QuotaUsed(ctx, "card-a", "2026-06-10")
	require.NoError(t, err)
	assert.Equal(t, 45, used, "today's quota")
	used, err = f.st.QuotaUsed(ctx, "card-b", "2026-06-09")
	require.NoError(t, err)
	assert.Equal(t, 60, used, "yesterday's session is within the limit")
	_, err = f.st.VisitorSession(ctx, "s-old-1")
	assert.ErrorIs(t, err, store.ErrNotFound, "an old session is gone with its card hash")
	for id, want := range map[string]bool{"r-old": false, "r-night": false, "r-morning": true, "r-future": true} {
		_, err := f.st.Reservation(ctx, id)
		assert.Equal(t, want, err == nil, "reservation %s kept", id)
	}
	until, err := f.st.PINLock(ctx, "pin-locked", now)
	require.NoError(t, err)
	assert.False(t, until.IsZero(), "a card still locked stays locked")
	_, err = f.st.RedeemGuestPass(ctx, "g-valid", "kallio", "t-1", now)
	assert.NoError(t, err, "a valid guest pass stays")
	pos, err := f.st.Enqueue(ctx, store.QueueEntry{Branch: "kallio", CardHash: "q-now", CreatedAt: now})
	require.NoError(t, err)
	assert.Equal(t, 1, pos, "the one waiting now is first in line")
	events, err := f.st.Events(ctx, "t-1", protocol.EventTest, 10)
	require.NoError(t, err)
	assert.Len(t, events, 1)
	wipes, err := f.st.WipeReceipts(ctx, "t-1", 10)
	require.NoError(t, err)
	require.Len(t, wipes, 1)
	assert.Equal(t, "w-new", wipes[0].SessionID)
	audit, err := f.st.AuditLog(ctx, 10)
	require.NoError(t, err)
	require.Len(t, audit, 1)
	assert.Equal(t, "new", audit[0].Action)

	// A second prune at the same time finds nothing and counts nothing twice.
	pruned, err = p.Once(ctx)
	require.NoError(t, err)
	assert.Equal(t, store.Pruned{}, pruned)
	again, err := f.st.DailyStats(ctx, "kallio", "2026-06-01", "2026-06-30")
	require.NoError(t, err)
	assert.Equal(t, stats, again)

	// Three days on, today's session is counted and gone too.
	p.Now = func() time.Time { return now.Add(3 * 24 * time.Hour) }
	_, err = p.Once(ctx)
	require.NoError(t, err)
	used, err = f.st.QuotaUsed(ctx, "card-a", "2026-06-10")
	require.NoError(t, err)
	assert.Zero(t, used)
}

func TestRunPrunesInTheBackground(t *testing.T) {
	f := newFixture(t)
	require.NoError(t, f.st.Audit(f.ctx, store.AuditEntry{At: at("2020-01-01 00:00"), Actor: "cli", Action: "old", Target: "x"}))
	ctx, cancel := context.WithCancel(f.ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		cfg := Defaults()
		cfg.Interval = 10 * time.Millisecond
		(&Pruner{Store: f.st, Config: cfg, Now: func() time.Time { return at("2026-06-10 12:00") }}).Run(ctx)
	}()
	require.Eventually(t, func() bool {
		log, err := f.st.AuditLog(f.ctx, 10)
		return err == nil && len(log) == 0
	}, 10*time.Second, 10*time.Millisecond)
	cancel()
	<-done
}

func TestConfig(t *testing.T) {
	assert.NoError(t, Defaults().Validate())
	assert.Equal(t, Defaults(), Config{}.WithDefaults())
	tests := []struct {
		name    string
		change  func(*Config)
		wantErr string
	}{
		{"visits shorter than a quota day", func(c *Config) { c.Visits = 12 * time.Hour },
			"--retention-visits must be between 26h and 366d, got 12h (the daily quota needs the day's sessions)"},
		{"reservations zero", func(c *Config) { c.Reservations = 0 }, "--retention-reservations"},
		{"events too long", func(c *Config) { c.Events = 20 * 366 * day }, "--retention-events"},
		{"wipe receipts too short", func(c *Config) { c.WipeReceipts = time.Hour }, "--retention-wipe-receipts"},
		{"audit too short", func(c *Config) { c.Audit = day }, "--retention-audit"},
		{"interval too short", func(c *Config) { c.Interval = time.Second }, "--retention-interval"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := Defaults()
			tc.change(&c)
			assert.ErrorContains(t, c.Validate(), tc.wantErr)
		})
	}
}

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Duration
		wantErr bool
	}{
		{"30d", 30 * day, false},
		{"36h", 36 * time.Hour, false},
		{"1d", day, false},
		{"1h30m", 90 * time.Minute, false},
		{"d", 0, true},
		{"-3d", 0, true},
		{"3 days", 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseDuration(tc.in)
			if tc.wantErr {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
			assert.Equal(t, tc.in, Format(got))
		})
	}
}
