package power_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"piste/fleet/audit"
	"piste/fleet/auth"
	"piste/fleet/fault"
	"piste/fleet/power"
	"piste/fleet/protocol"
	"piste/fleet/staff"
	"piste/fleet/store"
)

// linksUp says which terminals are online, standing in for the hub's
// connections (the fleet/server tests wake through a real link).
type linksUp map[string]bool

func (l linksUp) Online(id string) (bool, time.Time) { return l[id], time.Time{} }

func setup(t *testing.T) (*power.Service, *store.Store, linksUp) {
	t.Helper()
	st, err := store.Open(t.TempDir())
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	ctx := context.Background()
	now := time.Now()
	for _, b := range []string{"kallio", "oodi"} {
		require.NoError(t, st.AddBranch(ctx, store.Branch{ID: b, Name: b, TZ: "UTC"}))
		require.NoError(t, st.AddEnrollCode(ctx, auth.HashToken(b), b, 10, now.Add(time.Hour)))
	}
	for _, tm := range []struct{ id, branch, kind, mac string }{
		{"t-relay", "kallio", "pc", "52:54:00:00:00:01"}, {"t-off", "kallio", "pc", "52:54:00:00:00:02"},
		{"t-nomac", "kallio", "pc", ""}, {"t-screen", "kallio", "screen", "52:54:00:00:00:03"},
		{"t-oodi", "oodi", "pc", "52:54:00:00:00:04"},
	} {
		_, err := st.Enroll(ctx, auth.HashToken(tm.branch), store.Terminal{ID: tm.id, Name: tm.id, Kind: tm.kind,
			TokenHash: auth.HashToken(tm.id), MAC: tm.mac}, now)
		require.NoError(t, err)
	}
	links := linksUp{}
	return power.New(st, links, audit.New(st)), st, links
}

func TestWakeBranch(t *testing.T) {
	s, st, links := setup(t)
	ctx := context.Background()
	ada := staff.Member{Name: "ada", Role: staff.RoleAdmin}

	_, err := s.WakeBranch(ctx, ada, "kallio")
	assert.ErrorIs(t, err, fault.ErrConflict, "no PC of the branch is on to relay")

	links["t-relay"] = true
	w, err := s.WakeBranch(ctx, ada, "kallio")
	require.NoError(t, err)
	assert.Equal(t, "t-relay", w.Relay)
	assert.Equal(t, []string{"t-off"}, w.Targets, "PCs only, with a MAC, of this branch, that are off")
	cmd, err := st.Command(ctx, w.Command)
	require.NoError(t, err)
	assert.Equal(t, protocol.CommandWake, cmd.Type)
	assert.Equal(t, "52:54:00:00:00:02", cmd.Text)
	assert.Equal(t, "t-relay", cmd.TerminalID)

	_, err = s.WakeBranch(ctx, staff.Member{Name: "olli", Role: staff.RoleAdmin, Branches: []string{"oodi"}}, "kallio")
	assert.ErrorIs(t, err, fault.ErrNotFound)
	_, err = s.WakeBranch(ctx, staff.Member{Name: "val", Role: staff.RoleVolunteer}, "kallio")
	assert.ErrorIs(t, err, fault.ErrForbidden)
	_, err = s.WakeBranch(ctx, ada, "nowhere")
	assert.ErrorIs(t, err, fault.ErrNotFound)

	entries, err := st.AuditSearch(ctx, store.AuditFilter{Action: "power-wake", Limit: 5})
	require.NoError(t, err)
	require.Len(t, entries, 1)
	assert.Equal(t, "branch:kallio", entries[0].Target)
}

func TestTickOnlyWhereTheScheduleIsOn(t *testing.T) {
	s, st, links := setup(t)
	ctx := context.Background()
	links["t-relay"], links["t-oodi"] = true, false
	require.NoError(t, st.PutPolicyLayer(ctx, store.PolicyLayer{Scope: "branch:kallio", UpdatedAt: time.Now(), UpdatedBy: "ada",
		YAML: "hours:\n  timezone: UTC\n  weekly: {mon: \"09:00-20:00\"}\npower:\n  enabled: true\n  wake_before_opening_minutes: 30\n"}))
	monday := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	s.Now = func() time.Time { return monday.Add(8*time.Hour + 40*time.Minute) }
	require.NoError(t, s.Tick(ctx))
	require.NoError(t, s.Tick(ctx))
	cmds, err := st.PendingCommands(ctx, "t-relay", s.Now())
	require.NoError(t, err)
	require.Len(t, cmds, 1, "once per opening")
	for _, id := range []string{"t-oodi", "t-off"} {
		cmds, err := st.PendingCommands(ctx, id, s.Now())
		require.NoError(t, err)
		assert.Empty(t, cmds, "%s: oodi has no schedule; t-off is the one woken, not a relay", id)
	}
	schedules, err := s.Schedules(ctx, staff.Member{Name: "ada", Role: staff.RoleAdmin})
	require.NoError(t, err)
	require.Len(t, schedules, 2)
	assert.True(t, schedules[0].Enabled)
	assert.Equal(t, monday.Add(9*time.Hour), schedules[0].NextOpening)
	assert.False(t, schedules[1].Enabled)
}
