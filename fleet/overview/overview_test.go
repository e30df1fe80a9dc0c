package overview_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"piste/fleet/fault"
	"piste/fleet/overview"
	"piste/fleet/protocol"
	"piste/fleet/staff"
	"piste/fleet/store"
)

// The overview counts each branch's terminals by status, today's sessions
// and hours, utilisation over the hours open so far, wipes, and the last
// seven days, for the branches the member sees.
func TestOverview(t *testing.T) {
	st, err := store.Open(t.TempDir())
	require.NoError(t, err)
	defer st.Close()
	ctx := context.Background()
	for _, b := range []string{"kallio", "oodi"} {
		require.NoError(t, st.AddBranch(ctx, store.Branch{ID: b, Name: b + " library", TZ: "Europe/Helsinki"}))
	}
	// Kallio is open 09:00-21:00 every day; it is 13:00 there.
	require.NoError(t, st.PutPolicyLayer(ctx, store.PolicyLayer{Scope: "branch:kallio", UpdatedBy: "t",
		YAML: "hours:\n  weekly: {mon: \"09:00-21:00\", tue: \"09:00-21:00\", wed: \"09:00-21:00\", thu: \"09:00-21:00\", fri: \"09:00-21:00\", sat: \"09:00-21:00\", sun: \"09:00-21:00\"}\n"}))
	hel, _ := time.LoadLocation("Europe/Helsinki")
	now := time.Date(2026, 11, 30, 13, 0, 0, 0, hel)
	var ts []store.Terminal
	states := []string{"idle", "active", "out_of_service", "idle"}
	for i := range 8 {
		b := "kallio"
		if i >= 6 {
			b = "oodi"
		}
		ts = append(ts, store.Terminal{ID: fmt.Sprintf("t-%d", i), Name: fmt.Sprintf("pc-%d", i), Branch: b, Kind: "pc",
			EnrolledAt: now.Add(-72 * time.Hour), State: states[i%4]})
	}
	require.NoError(t, st.SeedTerminals(ctx, ts))
	require.NoError(t, st.SetLinked(ctx, true, "t-0", "t-1", "t-2", "t-6")) // t-3, t-4, t-5 offline
	_, _, err = st.SyncAlerts(ctx, []string{"offline_in_opening_hours"}, map[store.AlertKey]string{
		{Terminal: "t-4", Kind: "offline_in_opening_hours"}: "x"}, now)
	require.NoError(t, err)
	// Sessions: two today of 60 minutes each (ended), one yesterday.
	grant := func(id string, at time.Time) {
		_, err := st.GrantSession(ctx, store.VisitorSession{ID: id, TerminalID: "t-1", Branch: "kallio", Kind: "card",
			Day: at.In(hel).Format(time.DateOnly), GrantedAt: at}, func(int) (int, error) { return 60, nil })
		require.NoError(t, err)
	}
	grant("s-1", now.Add(-3*time.Hour))
	grant("s-2", now.Add(-2*time.Hour))
	grant("s-3", now.Add(-24*time.Hour))
	wipe := func(seq uint64, verified bool) {
		data, _ := json.Marshal(protocol.WipeReceipt{SessionID: "s", EndedAt: now.Add(-time.Hour), Verified: verified})
		_, err := st.Ingest(ctx, []store.Incoming{{TerminalID: "t-1", ReceivedAt: now,
			Event: protocol.Event{Epoch: "e", Seq: seq, Kind: protocol.EventWipe, At: now.Add(-time.Hour), Data: data}}})
		require.NoError(t, err)
	}
	wipe(1, true)
	wipe(2, true)
	wipe(3, false)

	svc := overview.New(st)
	svc.Now = func() time.Time { return now }
	all, err := svc.Overview(ctx, staff.Member{Name: "ada", Role: staff.RoleAdmin})
	require.NoError(t, err)
	require.Len(t, all, 2)
	k := all[0]
	assert.Equal(t, "kallio", k.ID)
	assert.Equal(t, overview.Branch{ID: "kallio", Name: "kallio library", Online: 3, InSession: 1, Free: 1, OutOfService: 1,
		Offline: 3, OfflineOpen: 1, Total: 6, Sessions: 2, HoursUsed: 2, Utilisation: 2.0 / (4 * 6),
		WipesVerified: 2, WipesFailed: 1, Week: k.Week}, k)
	require.Len(t, k.Week, 7)
	assert.Equal(t, overview.Day{Date: "2026-11-30", Sessions: 2}, k.Week[6])
	assert.Equal(t, overview.Day{Date: "2026-11-29", Sessions: 1}, k.Week[5])
	assert.Equal(t, 0, k.Week[0].Sessions)
	assert.Equal(t, 1, all[1].Online)

	mine, err := svc.Overview(ctx, staff.Member{Name: "otto", Role: staff.RoleAdmin, Branches: []string{"oodi"}})
	require.NoError(t, err)
	require.Len(t, mine, 1)
	assert.Equal(t, "oodi", mine[0].ID)
	_, err = svc.Overview(ctx, staff.Member{Name: "val", Role: staff.RoleVolunteer, Branches: []string{"kallio"}})
	assert.ErrorIs(t, err, fault.ErrForbidden)
}
