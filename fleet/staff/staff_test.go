package staff_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"piste/fleet/audit"
	"piste/fleet/auth"
	"piste/fleet/fault"
	"piste/fleet/staff"
	"piste/fleet/store"
)

func TestMemberRules(t *testing.T) {
	fleetAdmin := staff.Member{Role: staff.RoleAdmin}
	kallioAdmin := staff.Member{Role: staff.RoleAdmin, Branches: []string{"kallio"}}
	kallioVolunteer := staff.Member{Role: staff.RoleVolunteer, Branches: []string{"kallio"}}
	roamingVolunteer := staff.Member{Role: staff.RoleVolunteer}
	editor := staff.Member{Role: staff.RoleEditor}
	twoBranchVolunteer := staff.Member{Role: staff.RoleVolunteer, Branches: []string{"kallio", "oodi"}}
	tests := []struct {
		name          string
		m             staff.Member
		branch        string
		sees, serves  bool
		admin, either bool // Need(admin), Need(admin, volunteer)
	}{
		{"fleet admin", fleetAdmin, "oodi", true, true, true, true},
		{"branch admin, own branch", kallioAdmin, "kallio", true, true, true, true},
		{"branch admin, other branch", kallioAdmin, "oodi", false, false, true, true},
		{"volunteer, own branch", kallioVolunteer, "kallio", true, true, false, true},
		{"volunteer, other branch", kallioVolunteer, "oodi", false, false, false, true},
		{"volunteer of no branch", roamingVolunteer, "kallio", true, false, false, true},
		{"editor", editor, "kallio", true, false, false, false},
		{"volunteer of two, first", twoBranchVolunteer, "kallio", true, true, false, true},
		{"volunteer of two, second", twoBranchVolunteer, "oodi", true, true, false, true},
		{"volunteer of two, third", twoBranchVolunteer, "pasila", false, false, false, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.sees, tc.m.CanSee(tc.branch))
			assert.Equal(t, tc.serves, tc.m.Serves(tc.branch))
			assert.Equal(t, tc.admin, tc.m.Need(staff.RoleAdmin) == nil)
			assert.Equal(t, tc.either, tc.m.Need(staff.RoleAdmin, staff.RoleVolunteer) == nil)
			if err := tc.m.Need(staff.RoleAdmin); err != nil {
				assert.ErrorIs(t, err, fault.ErrForbidden)
			}
		})
	}
}

func TestLoginAuthenticateLogout(t *testing.T) {
	st, err := store.Open(t.TempDir())
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	ctx := context.Background()
	require.NoError(t, st.AddBranch(ctx, store.Branch{ID: "kallio", Name: "Kallio", TZ: "Europe/Helsinki"}))
	s := staff.New(st, audit.New(st))
	require.NoError(t, s.AddUser(ctx, staff.CLI, "kim", staff.RoleAdmin, []string{"kallio"}, "correct horse battery"))

	err = s.AddUser(ctx, staff.Member{Name: "kim", Role: staff.RoleAdmin, Branches: []string{"kallio"}}, "olga", staff.RoleAdmin, nil, "correct horse battery")
	assert.ErrorIs(t, err, fault.ErrForbidden, "a branch admin makes no fleet-wide account")
	err = s.AddUser(ctx, staff.CLI, "olga", "janitor", nil, "correct horse battery")
	fe, ok := fault.AsField(err)
	require.True(t, ok, "%v", err)
	assert.Equal(t, "role", fe.Field)

	for _, pw := range []string{"wrong horse battery", ""} {
		_, err = s.Login(ctx, "kim", pw, "192.0.2.7")
		assert.True(t, fault.Known(err), "%v", err)
	}
	_, err = s.Login(ctx, "nobody", "correct horse battery", "192.0.2.7")
	assert.ErrorIs(t, err, fault.ErrUnauthenticated)

	sess, err := s.Login(ctx, "kim", "correct horse battery", "192.0.2.8")
	require.NoError(t, err)
	m, err := s.Authenticate(ctx, sess.Token)
	require.NoError(t, err)
	assert.Equal(t, staff.Member{ID: m.ID, Name: "kim", Role: staff.RoleAdmin, Branches: []string{"kallio"}}, m)
	require.NoError(t, s.Logout(ctx, sess.Token))
	_, err = s.Authenticate(ctx, sess.Token)
	assert.ErrorIs(t, err, fault.ErrUnauthenticated)
	_, err = s.Authenticate(ctx, "")
	assert.ErrorIs(t, err, fault.ErrUnauthenticated)

	entries, err := st.AuditLog(ctx, 10)
	require.NoError(t, err)
	var got [][3]string
	for _, e := range entries {
		got = append(got, [3]string{e.Action, e.Target, e.Detail})
		assert.NotContains(t, e.Detail+e.Target+e.Actor, "horse", "never the password")
	}
	assert.Equal(t, [][3]string{
		{"login", "kim", "from 192.0.2.8"},
		{"login-failed", staff.UnknownName, "from 192.0.2.7"},
		{"login-failed", "kim", "from 192.0.2.7"},
		{"user-add", "kim", "admin in kallio"},
	}, got, "logins are audited with the address, unknown names without what was typed")
}

// A flood of wrong passwords for one name from one address is held to
// the pair's limit, attempts in progress included; the same name from
// another address still logs in.
func TestLoginGuessingIsSlowedPerNameAndAddress(t *testing.T) {
	st, err := store.Open(t.TempDir())
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	ctx := context.Background()
	s := staff.New(st, audit.New(st))
	require.NoError(t, s.AddUser(ctx, staff.CLI, "admin", staff.RoleAdmin, nil, "correct horse battery"))

	const flood = 30
	results := make(chan error, flood)
	var wg sync.WaitGroup
	for i := 0; i < flood; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.Login(ctx, "admin", "wrong guess number", "203.0.113.9")
			results <- err
		}()
	}
	wg.Wait()
	close(results)
	counts := map[int]int{}
	for err := range results {
		var limit *auth.LimitError
		switch {
		case errors.As(err, &limit):
			counts[429]++
			assert.Positive(t, limit.Seconds())
		case errors.Is(err, fault.ErrUnauthenticated):
			counts[401]++
		default:
			t.Errorf("unexpected answer %v", err)
		}
	}
	assert.Equal(t, auth.PairAttempts, counts[401], "only the pair's allowance was checked")
	assert.Equal(t, flood-auth.PairAttempts, counts[429])

	_, err = s.Login(ctx, "admin", "correct horse battery", "203.0.113.9")
	var limit *auth.LimitError
	require.ErrorAs(t, err, &limit, "the guessing address waits, even with the right password")
	assert.Contains(t, limit.Error(), "try again in")
	_, err = s.Login(ctx, "admin", "correct horse battery", "198.51.100.1")
	assert.NoError(t, err, "the name is not locked for everyone")
}

// An account may work in several branches: they are stored, come back at
// login sorted and once each, and a member of one of them may not give an
// account a branch outside their own.
func TestStaffOfSeveralBranches(t *testing.T) {
	st, err := store.Open(t.TempDir())
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	ctx := context.Background()
	for _, b := range []string{"kallio", "oodi", "pasila"} {
		require.NoError(t, st.AddBranch(ctx, store.Branch{ID: b, Name: b, TZ: "Europe/Helsinki"}))
	}
	s := staff.New(st, audit.New(st))
	require.NoError(t, s.AddUser(ctx, staff.CLI, "vera", staff.RoleVolunteer, []string{"oodi", "kallio", "oodi"}, "correct horse battery"))
	sess, err := s.Login(ctx, "vera", "correct horse battery", "192.0.2.9")
	require.NoError(t, err)
	assert.Equal(t, []string{"kallio", "oodi"}, sess.Member.Branches)
	assert.Equal(t, "branches kallio, oodi", sess.Member.Scope())
	assert.Empty(t, sess.Member.HomeBranch(), "no single home branch")

	kallioAdmin := staff.Member{Name: "kim", Role: staff.RoleAdmin, Branches: []string{"kallio"}}
	err = s.AddUser(ctx, kallioAdmin, "vera", staff.RoleVolunteer, []string{"kallio", "pasila"}, "correct horse battery")
	fe, ok := fault.AsField(err)
	require.True(t, ok, "%v", err)
	assert.Equal(t, "branch", fe.Field)

	// Replacing the account (the console, fleet-wide) replaces its branches.
	require.NoError(t, s.AddUser(ctx, staff.CLI, "vera", staff.RoleVolunteer, []string{"kallio"}, "correct horse battery"))
	u, err := st.UserByName(ctx, "vera")
	require.NoError(t, err)
	assert.Equal(t, []string{"kallio"}, u.Branches)
}

// AddUser replaces an existing account only for a fleet-wide admin (the
// server console): a branch admin naming an existing account gets a
// conflict, and the account keeps its role, branches and password.
func TestAddUserNeverLetsABranchAdminReplaceAnAccount(t *testing.T) {
	st, err := store.Open(t.TempDir())
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	ctx := context.Background()
	for _, b := range []string{"kallio", "oodi"} {
		require.NoError(t, st.AddBranch(ctx, store.Branch{ID: b, Name: b, TZ: "Europe/Helsinki"}))
	}
	s := staff.New(st, audit.New(st))
	require.NoError(t, s.AddUser(ctx, staff.CLI, "root", staff.RoleAdmin, nil, "correct horse battery"))
	require.NoError(t, s.AddUser(ctx, staff.CLI, "olga", staff.RoleVolunteer, []string{"oodi"}, "correct horse battery"))
	kim := staff.Member{Name: "kim", Role: staff.RoleAdmin, Branches: []string{"kallio"}}
	for _, name := range []string{"root", "olga"} {
		before, err := st.UserByName(ctx, name)
		require.NoError(t, err)
		err = s.AddUser(ctx, kim, name, staff.RoleAdmin, []string{"kallio"}, "kim's chosen password")
		assert.ErrorIs(t, err, fault.ErrConflict, name)
		after, err := st.UserByName(ctx, name)
		require.NoError(t, err)
		assert.Equal(t, before, after, name)
	}
	require.NoError(t, s.AddUser(ctx, kim, "kaisa", staff.RoleVolunteer, []string{"kallio"}, "correct horse battery"), "a new name is fine")
	require.NoError(t, s.AddUser(ctx, staff.CLI, "olga", staff.RoleVolunteer, []string{"oodi"}, "a new horse battery"), "the console still resets")
}
