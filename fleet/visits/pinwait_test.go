package visits

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"piste/fleet/audit"
	"piste/fleet/policies"
	"piste/fleet/protocol"
	"piste/fleet/sip2"
	"piste/fleet/staff"
	"piste/fleet/store"
	"piste/testing/sip2server"
)

func TestWaitFor(t *testing.T) {
	tests := []struct {
		name     string
		failures int
		lockout  time.Duration
		want     time.Duration
	}{
		{"first wrong PIN", 1, 10 * time.Minute, 0},
		{"second", 2, 10 * time.Minute, 2 * time.Second},
		{"third", 3, 10 * time.Minute, 4 * time.Second},
		{"fourth", 4, 10 * time.Minute, 8 * time.Second},
		{"capped", 9, 10 * time.Minute, pinWaitMax},
		{"far past any shift", 200, 10 * time.Minute, pinWaitMax},
		{"below a short lockout", 9, time.Minute, pinWaitMax},
		{"half of a tiny lockout", 9, 20 * time.Second, 10 * time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := waitFor(tc.failures, tc.lockout)
			assert.Equal(t, tc.want, got)
			assert.Less(t, got, tc.lockout, "a pause stays below the lockout")
		})
	}
}

func TestPinWaitsOneSlowedTryAtATime(t *testing.T) {
	var w pinWaits
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	w.failed("h", time.Minute, now)
	_, ok := w.begin("h", now)
	require.True(t, ok, "one wrong PIN is not slowed")
	w.failed("h", time.Minute, now)
	wait, ok := w.begin("h", now.Add(time.Second))
	assert.False(t, ok)
	assert.Equal(t, time.Second, wait)
	_, ok = w.begin("h", now.Add(2*time.Second))
	require.True(t, ok)
	_, ok = w.begin("h", now.Add(2*time.Second))
	assert.False(t, ok, "a second try while the first is with the library")
	w.done("h", false)
	_, ok = w.begin("h", now.Add(2*time.Second))
	assert.True(t, ok, "another answer than a wrong PIN keeps the count but frees the card")
	w.done("h", true)
	w.failed("h", time.Minute, now)
	_, ok = w.begin("h", now)
	assert.True(t, ok, "a right PIN started the count again")
}

func TestPinWaitsSweepStaleCards(t *testing.T) {
	var w pinWaits
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	for i := range pinWaitsSweep {
		w.failed(string(rune('a'+i%26))+time.Duration(i).String(), time.Minute, now)
	}
	require.Len(t, w.cards, pinWaitsSweep)
	w.failed("fresh", time.Minute, now.Add(2*time.Minute))
	assert.Len(t, w.cards, 1, "only the fresh card is left")
}

// countingLibrary counts the questions that reach the real SIP2 pool.
type countingLibrary struct {
	pool  *sip2.Pool
	calls atomic.Int32
}

func (c *countingLibrary) Authenticate(ctx context.Context, card, pin string) (sip2.Patron, error) {
	c.calls.Add(1)
	return c.pool.Authenticate(ctx, card, pin)
}

// pinService is a Service over a temp store and the SIP2 test server, with
// a clock the test moves.
func pinService(t *testing.T, layer string) (*Service, *countingLibrary, *atomic.Int64, store.Terminal) {
	ctx := context.Background()
	lib, err := sip2server.New(sip2server.Config{Patrons: sip2server.DemoPatrons()})
	require.NoError(t, err)
	require.NoError(t, lib.Listen("127.0.0.1:0"))
	t.Cleanup(func() { lib.Close() })
	pool, err := sip2.NewPool(sip2.Config{Addr: lib.Addr(), User: "scclient", Password: "clientpwd", Institution: "UWOLS",
		DialTimeout: time.Second, RequestTimeout: time.Second})
	require.NoError(t, err)
	t.Cleanup(func() { pool.Close() })
	st, err := store.Open(t.TempDir())
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	var clock atomic.Int64
	clock.Store(time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC).UnixNano())
	now := func() time.Time { return time.Unix(0, clock.Load()).UTC() }
	layers := policies.New(st, audit.New(st))
	layers.Now = now
	_, err = layers.Put(ctx, staff.CLI, "fleet", []byte(layer))
	require.NoError(t, err)
	counting := &countingLibrary{pool: pool}
	s := New(st, counting, NewCards(make([]byte, 32)), nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	s.Now = now
	return s, counting, &clock, store.Terminal{ID: "t-1", Branch: "kallio"}
}

func TestWrongPINsAreSlowedThenLocked(t *testing.T) {
	s, lib, clock, term := pinService(t, "session:\n  pin_attempts: 5\n  pin_lockout_minutes: 10\n")
	ctx := context.Background()
	try := func(card, pin string) *Refusal {
		t.Helper()
		_, err := s.Login(ctx, term, card, pin)
		r, ok := AsRefusal(err)
		require.True(t, ok, "want a refusal, got %v", err)
		return r
	}
	step := func(d time.Duration) { clock.Add(int64(d)) }

	assert.Equal(t, protocol.RefusalWrongCardOrPIN, try("20000001", "0000").Code)
	r := try("20000001", "0000")
	assert.Equal(t, protocol.RefusalWrongCardOrPIN, r.Code)
	assert.Equal(t, 2*time.Second, r.RetryAfter, "the second wrong PIN says how long to wait")
	asked := lib.calls.Load()

	r = try("20000001", "1234")
	assert.Equal(t, protocol.RefusalLockedOut, r.Code, "even the right PIN waits")
	assert.Equal(t, 2, r.Body().Refusal.RetryAfterSeconds)
	assert.Equal(t, asked, lib.calls.Load(), "the library is not asked during the wait")

	step(2 * time.Second)
	r = try("20000001", "0000")
	assert.Equal(t, protocol.RefusalWrongCardOrPIN, r.Code)
	assert.Equal(t, 4*time.Second, r.RetryAfter, "the wait grows")
	step(3 * time.Second)
	r = try("20000001", "0000")
	assert.Equal(t, protocol.RefusalLockedOut, r.Code)
	assert.Equal(t, time.Second, r.RetryAfter)
	step(time.Second)
	r = try("20000001", "0000")
	assert.Equal(t, 8*time.Second, r.RetryAfter)
	step(8 * time.Second)

	r = try("20000001", "0000")
	assert.Equal(t, protocol.RefusalLockedOut, r.Code, "the fifth wrong PIN locks the card")
	assert.Equal(t, 10*time.Minute, r.RetryAfter)
	step(9 * time.Minute)
	assert.Equal(t, 10*time.Minute-9*time.Minute, try("20000001", "1234").RetryAfter)

	step(time.Minute)
	assert.Equal(t, protocol.RefusalWrongCardOrPIN, try("20000001", "0000").Code)
	assert.Equal(t, 2*time.Second, try("20000001", "0000").RetryAfter, "the count starts again after the lockout")
}

func TestRightPINEndsTheSlowdown(t *testing.T) {
	s, lib, clock, term := pinService(t, "session:\n  pin_attempts: 5\n")
	ctx := context.Background()
	for range 2 {
		_, err := s.Login(ctx, term, "20000002", "0000")
		require.Error(t, err)
	}
	_, err := s.Login(ctx, term, "20000003", "1234")
	assert.NoError(t, err, "another card is not slowed")
	clock.Add(int64(2 * time.Second))
	_, err = s.Login(ctx, term, "20000002", "1234")
	require.NoError(t, err)
	_, err = s.Login(ctx, term, "20000002", "0000")
	r, ok := AsRefusal(err)
	require.True(t, ok)
	assert.Equal(t, protocol.RefusalWrongCardOrPIN, r.Code)
	assert.Zero(t, r.RetryAfter, "a right PIN forgot the earlier wrong ones")
	asked := lib.calls.Load()
	_, err = s.Login(ctx, term, "20000002", "1234")
	assert.NoError(t, err, "one wrong PIN after a right one is not slowed")
	assert.Equal(t, asked+1, lib.calls.Load())
}

func TestParallelGuessesDuringSlowdownAskOnce(t *testing.T) {
	s, lib, clock, term := pinService(t, "session:\n  pin_attempts: 10\n")
	ctx := context.Background()
	for range 2 {
		_, err := s.Login(ctx, term, "20000001", "0000")
		require.Error(t, err)
	}
	clock.Add(int64(2 * time.Second))
	asked := lib.calls.Load()
	codes := make(chan protocol.RefusalCode, 8)
	var wg sync.WaitGroup
	for range cap(codes) {
		wg.Go(func() {
			_, err := s.Login(ctx, term, "20000001", "0000")
			r, _ := AsRefusal(err)
			if r != nil {
				codes <- r.Code
			}
		})
	}
	wg.Wait()
	close(codes)
	count := map[protocol.RefusalCode]int{}
	for c := range codes {
		count[c]++
	}
	assert.Equal(t, asked+1, lib.calls.Load(), "one guess reaches the library")
	assert.Equal(t, map[protocol.RefusalCode]int{protocol.RefusalWrongCardOrPIN: 1, protocol.RefusalLockedOut: cap(codes) - 1}, count)
}
