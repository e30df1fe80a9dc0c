package measures_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"piste/fleet/auth"
	"piste/fleet/fault"
	"piste/fleet/measures"
	"piste/fleet/staff"
	"piste/fleet/store"
)

// seed gives kallio 6 PCs, 7 card sessions, 2 guest sessions, 5
// reservations and 6 agent updates in November 2026; oodi 1 PC and 1
// card session; and a December session that November does not count.
func seed(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(t.TempDir())
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	ctx := context.Background()
	nov := time.Date(2026, 11, 10, 10, 0, 0, 0, time.UTC)
	pcs := map[string]int{"kallio": 6, "oodi": 1}
	for b, n := range pcs {
		require.NoError(t, st.AddBranch(ctx, store.Branch{ID: b, Name: b, TZ: "UTC"}))
		require.NoError(t, st.AddEnrollCode(ctx, auth.HashToken(b), b, n, nov.Add(time.Hour)))
		for i := range n {
			_, err := st.Enroll(ctx, auth.HashToken(b), store.Terminal{ID: fmt.Sprintf("t-%s%d", b, i), Name: "pc", Kind: "pc",
				TokenHash: auth.HashToken(fmt.Sprintf("%s-%d", b, i)), AgentVersion: "1.0"}, nov.Add(-48*time.Hour))
			require.NoError(t, err)
		}
	}
	grant := func(term, branch, kind, card string, at time.Time) {
		_, err := st.GrantSession(ctx, store.VisitorSession{ID: auth.NewID(6), TerminalID: term, Branch: branch, Kind: kind,
			CardHash: card, Day: at.Format(time.DateOnly), GrantedAt: at}, func(int) (int, error) { return 30, nil })
		require.NoError(t, err)
	}
	for i := range 7 {
		grant("t-kallio0", "kallio", "card", fmt.Sprint("card", i), nov.Add(time.Duration(i)*time.Hour))
	}
	grant("t-kallio1", "kallio", "guest", "", nov)
	grant("t-kallio1", "kallio", "guest", "", nov.Add(time.Hour))
	grant("t-oodi0", "oodi", "card", "x", nov)
	grant("t-kallio0", "kallio", "card", "dec", time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	for i := range 5 {
		at := nov.Add(time.Duration(24+i) * time.Hour)
		require.NoError(t, st.AddReservation(ctx, store.Reservation{ID: auth.NewID(6), TerminalID: "t-kallio2", Branch: "kallio",
			CardHash: fmt.Sprint("r", i), CardHint: "1234", StartsAt: at, Until: at.Add(time.Hour), HoldUntil: at.Add(10 * time.Minute),
			Source: "staff", CreatedBy: "ada"}, nov))
	}
	var ps []store.Presence
	for i := range 6 {
		ps = append(ps, store.Presence{TerminalID: fmt.Sprintf("t-kallio%d", i), LastSeen: nov, AgentVersion: "1.1", Hostname: "h", OS: "linux"})
	}
	require.NoError(t, st.UpdatePresence(ctx, ps))
	return st
}

func TestMeasuresOfAMonth(t *testing.T) {
	s := measures.New(seed(t))
	s.Now = func() time.Time { return time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC) }
	ctx := context.Background()
	rows, err := s.ForStaff(ctx, staff.Member{Name: "ada", Role: staff.RoleAdmin}, "2026-11")
	require.NoError(t, err)
	require.Len(t, rows, 2)
	k := rows[0]
	assert.Equal(t, "kallio", k.Branch)
	assert.Equal(t, int64(6), k.Terminals)
	assert.Equal(t, int64(7), k.CardLogins)
	assert.Equal(t, int64(2), k.GuestSessions)
	assert.Equal(t, int64(5), k.Reservations)
	assert.Equal(t, int64(14), k.SelfService)
	assert.Equal(t, int64(6), k.SoftwareUpdates)
	assert.Nil(t, k.Support, "no help queue wired: no figures")

	scoped, err := s.ForStaff(ctx, staff.Member{Name: "olli", Role: staff.RoleAdmin, Branches: []string{"oodi"}}, "2026-11")
	require.NoError(t, err)
	require.Len(t, scoped, 1)
	assert.Equal(t, "oodi", scoped[0].Branch, "a branch admin sees its branches only")
	_, err = s.ForStaff(ctx, staff.Member{Name: "val", Role: staff.RoleVolunteer}, "2026-11")
	assert.ErrorIs(t, err, fault.ErrForbidden)
	for _, bad := range []string{"2026-13", "november", "2027-01"} {
		_, err = s.ForStaff(ctx, staff.Member{Name: "ada", Role: staff.RoleAdmin}, bad)
		_, isField := fault.AsField(err)
		assert.True(t, isField, "%s: %v", bad, err)
	}
}

type supportFigures map[string]measures.Support

func (f supportFigures) SupportFigures(context.Context, time.Time, time.Time) (map[string]measures.Support, error) {
	return f, nil
}

func TestOpenDataSuppressesSmallCounts(t *testing.T) {
	s := measures.New(seed(t))
	s.Now = func() time.Time { return time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC) }
	s.Support = supportFigures{"kallio": {Requests: 12, Resolved: 3}}
	rows, err := s.OpenData(context.Background(), "2026-11")
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, measures.WriteCSV(&buf, rows))
	assert.Equal(t, strings.Join([]string{
		"month,branch,terminals,card_logins,guest_sessions,reservations,self_service,software_updates,support_requests,support_resolved",
		"2026-11,kallio,6,7,,5,14,6,12,",
		"2026-11,oodi,,,,,,,,",
		""}, "\n"), buf.String())
	assert.NotContains(t, buf.String(), "t-kallio", "no terminal identifiers")
}

func TestOpenDataIsCachedForAMinute(t *testing.T) {
	st := seed(t)
	s := measures.New(st)
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	s.Now = func() time.Time { return now }
	ctx := context.Background()
	reservations := func() int64 {
		rows, err := s.OpenData(ctx, "2026-11")
		require.NoError(t, err)
		require.NotNil(t, rows[0].Reservations)
		return *rows[0].Reservations
	}
	require.Equal(t, int64(5), reservations())
	at := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	require.NoError(t, st.AddReservation(ctx, store.Reservation{ID: "r-late", TerminalID: "t-kallio3", Branch: "kallio",
		CardHash: "late", CardHint: "9999", StartsAt: at, Until: at.Add(time.Hour), HoldUntil: at.Add(10 * time.Minute),
		Source: "staff", CreatedBy: "ada"}, at.Add(-time.Hour)))
	now = now.Add(30 * time.Second)
	assert.Equal(t, int64(5), reservations(), "served from memory within the minute")
	now = now.Add(31 * time.Second)
	assert.Equal(t, int64(6), reservations(), "counted again after a minute")
}
