package mydata

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"piste/fleet/fault"
	"piste/fleet/protocol"
	"piste/fleet/store"
)

type fixture struct {
	st  *store.Store
	svc *Service
	now time.Time
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	st, err := store.Open(t.TempDir())
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	f := &fixture{st: st, now: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)}
	f.svc = New(st)
	f.svc.Now = func() time.Time { return f.now } // the fake clock
	return f
}

// session grants a session on terminal for card hash (empty: a guest).
func (f *fixture) session(t *testing.T, id, terminal, cardHash string) {
	t.Helper()
	kind := string(protocol.SessionCard)
	if cardHash == "" {
		kind = string(protocol.SessionGuest)
	}
	_, err := f.st.GrantSession(context.Background(), store.VisitorSession{ID: id, TerminalID: terminal, Branch: "kallio",
		Kind: kind, CardHash: cardHash, Day: f.now.Format(time.DateOnly), GrantedAt: f.now, EndsAt: f.now.Add(time.Hour)},
		func(int) (int, error) { return 60, nil })
	require.NoError(t, err)
}

var settings = protocol.VisitorSettings{TextScale: 150, Language: "fi", Speech: true}

func TestOnlyACardSessionOfThisTerminal(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.session(t, "card", "t1", "hash-a")
	f.session(t, "guest", "t1", "")
	_, err := f.svc.Remember(ctx, "t1", "guest", settings)
	assert.True(t, errors.Is(err, fault.ErrConflict), "a guest has no card to keep settings for: %v", err)
	_, err = f.svc.Remember(ctx, "t2", "card", settings)
	assert.True(t, errors.Is(err, fault.ErrNotFound), "another terminal cannot reach the session: %v", err)
	_, err = f.svc.Show(ctx, "t1", "nope")
	assert.True(t, errors.Is(err, fault.ErrNotFound))
	_, err = f.svc.Remember(ctx, "t1", "card", protocol.VisitorSettings{TextScale: 150, Language: "de"})
	_, isField := fault.AsField(err)
	assert.True(t, isField, "a bad setting names its field: %v", err)
}

func TestUnusedSettingsExpire(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.session(t, "a", "t1", "hash-a")
	f.session(t, "b", "t1", "hash-b")
	_, err := f.svc.Remember(ctx, "t1", "a", settings)
	require.NoError(t, err)
	_, err = f.svc.Remember(ctx, "t1", "b", settings)
	require.NoError(t, err)

	// 200 days on, card b logs in again (its settings are shown, so used).
	f.now = f.now.AddDate(0, 0, 200)
	f.session(t, "b2", "t1", "hash-b")
	d, err := f.svc.Show(ctx, "t1", "b2")
	require.NoError(t, err)
	require.NotNil(t, d.Settings)
	assert.Equal(t, DefaultKeepDays, d.KeptDays)

	// 200 more days: a's were unused for 400 days, b's for 200.
	f.now = f.now.AddDate(0, 0, 200)
	n, err := f.svc.Expire(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	_, err = f.st.VisitorSettings(ctx, "hash-a")
	assert.ErrorIs(t, err, store.ErrNotFound, "unused for longer than kept: deleted")
	_, err = f.st.VisitorSettings(ctx, "hash-b")
	assert.NoError(t, err, "used within the time: kept")
}

// BenchmarkShow is the look-up of remembered settings at a card login.
func BenchmarkShow(b *testing.B) {
	st, err := store.Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	f := &fixture{st: st, now: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)}
	f.svc = New(st)
	f.svc.Now = func() time.Time { return f.now }
	ctx := context.Background()
	if _, err := st.GrantSession(ctx, store.VisitorSession{ID: "s", TerminalID: "t1", Branch: "kallio", Kind: string(protocol.SessionCard),
		CardHash: "h", Day: "2026-03-02", GrantedAt: f.now, EndsAt: f.now.Add(time.Hour)}, func(int) (int, error) { return 60, nil }); err != nil {
		b.Fatal(err)
	}
	if _, err := f.svc.Remember(ctx, "t1", "s", settings); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := f.svc.Show(ctx, "t1", "s"); err != nil {
			b.Fatal(err)
		}
	}
}
