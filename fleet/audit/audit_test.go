package audit_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"piste/fleet/audit"
	"piste/fleet/auth"
	"piste/fleet/staff"
	"piste/fleet/store"
)

func TestReadKeepsToTheBranch(t *testing.T) {
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
	for _, u := range []store.User{{Name: "kim", Role: "admin", Branches: []string{"kallio"}}, {Name: "kallio", Role: "admin"}} {
		u.PWHash = "x"
		require.NoError(t, st.AddUser(ctx, u))
	}
	log := audit.New(st)
	for _, e := range [][3]string{
		{"login", "kim", "from 10.0.0.1"}, {"login-failed", "kallio", "from 10.0.0.2"}, {"user-add", "kallio", "admin"},
		{"login-failed", "(unknown name)", "from 10.0.0.3"}, {"command:lock", "t-oodi", ""}, {"command:lock", "t-kallio", ""},
		{"revoke", "t-kallio", ""}, {"revoke", "t-oodi", ""}, {"guest-passes", "kallio", "3 passes"},
		{"guest-passes", "oodi", "3 passes"}, {"policy-apply", "branch:oodi", ""}, {"policy-apply", "terminal:t-kallio", ""},
		{"policy-apply", "fleet", ""}, {"user-add", "olga", "admin"},
	} {
		require.NoError(t, log.Record(ctx, "ada", e[0], e[1], e[2]))
	}
	tests := []struct {
		name string
		m    staff.Member
		want []string
	}{
		{"fleet admin", staff.Member{Role: staff.RoleAdmin}, []string{"olga", "fleet", "terminal:t-kallio", "branch:oodi", "oodi", "kallio", "t-oodi", "t-kallio",
			"t-kallio", "t-oodi", "(unknown name)", "kallio", "kallio", "kim"}},
		// The fleet-wide account named like the branch is not the branch.
		{"kallio admin", staff.Member{Role: staff.RoleAdmin, Branches: []string{"kallio"}}, []string{"terminal:t-kallio", "kallio", "t-kallio", "t-kallio", "kim"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			entries, err := log.Read(ctx, tc.m, 100)
			require.NoError(t, err)
			var targets []string
			for _, e := range entries {
				targets = append(targets, e.Target)
			}
			assert.Equal(t, tc.want, targets, "newest first")
		})
	}
	entries, err := log.Read(ctx, staff.Member{Role: staff.RoleAdmin, Branches: []string{"kallio"}}, 2)
	require.NoError(t, err)
	assert.Len(t, entries, 2, "the limit holds for a branch too")
}
