package visits

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"piste/fleet/auth"
	"piste/fleet/fault"
	"piste/fleet/staff"
	"piste/fleet/store"
)

// noTerminalsOnline is a link to which no terminal is connected.
type noTerminalsOnline struct{}

func (noTerminalsOnline) Send(string, string, any) bool { return false }
func (noTerminalsOnline) OnlineIDs() []string           { return nil }

// A volunteer works at their own branch's desk and nowhere else; an admin
// of one branch likewise.
func TestDeskKeepsToTheBranch(t *testing.T) {
	st, err := store.Open(t.TempDir())
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	ctx := context.Background()
	for _, b := range []string{"kallio", "oodi"} {
		require.NoError(t, st.AddBranch(ctx, store.Branch{ID: b, Name: b, TZ: "Europe/Helsinki"}))
		require.NoError(t, st.AddEnrollCode(ctx, auth.HashToken(b), b, 1, time.Now().Add(time.Hour)))
		_, err := st.Enroll(ctx, auth.HashToken(b), store.Terminal{ID: "t-" + b, Name: b, Kind: "pc", TokenHash: auth.HashToken(b + "-token")}, time.Now())
		require.NoError(t, err)
	}
	s := New(st, nil, NewCards(make([]byte, 32)), noTerminalsOnline{}, slog.New(slog.DiscardHandler))
	fleetAdmin := staff.Member{Name: "ada", Role: staff.RoleAdmin}
	oodiRes, err := s.Book(ctx, fleetAdmin, Booking{Terminal: "t-oodi", Card: "20000001", Minutes: 30})
	require.NoError(t, err)

	for _, m := range []staff.Member{
		{Name: "val", Role: staff.RoleVolunteer, Branches: []string{"kallio"}},
		{Name: "kim", Role: staff.RoleAdmin, Branches: []string{"kallio"}},
	} {
		t.Run(m.Role, func(t *testing.T) {
			_, err := s.Book(ctx, m, Booking{Terminal: "t-oodi", Card: "20000002", Minutes: 30})
			fe, ok := fault.AsField(err)
			require.True(t, ok, "%v", err)
			assert.Equal(t, "terminal", fe.Field)
			assert.ErrorIs(t, s.CancelBooking(ctx, m, oodiRes.ID), fault.ErrNotFound)
			_, err = s.Queue(ctx, m, "oodi", "20000002")
			assert.ErrorIs(t, err, fault.ErrNotFound)
			list, err := s.Bookings(ctx, m, "oodi")
			require.NoError(t, err)
			assert.Empty(t, list, "asking for another branch lists one's own")
		})
	}
	_, err = s.Running(ctx, staff.Member{Name: "val", Role: staff.RoleVolunteer, Branches: []string{"kallio"}}, "")
	assert.ErrorIs(t, err, fault.ErrForbidden)
	_, err = s.Book(ctx, staff.Member{Name: "edith", Role: staff.RoleEditor}, Booking{Terminal: "t-oodi", Card: "1", Minutes: 5})
	assert.ErrorIs(t, err, fault.ErrForbidden)

	_, err = s.Book(ctx, fleetAdmin, Booking{Terminal: "t-oodi", Card: "20000003", From: oodiRes.StartsAt, Minutes: 30})
	assert.ErrorIs(t, err, fault.ErrConflict, "the slot is taken")
	require.NoError(t, s.CancelBooking(ctx, fleetAdmin, oodiRes.ID))
	entries, err := st.AuditLog(ctx, 10)
	require.NoError(t, err)
	var actions []string
	for _, e := range entries {
		actions = append(actions, e.Actor+" "+e.Action+" "+e.Target)
	}
	assert.Equal(t, []string{"ada cancel-reservation t-oodi", "ada reserve t-oodi"}, actions)
}
