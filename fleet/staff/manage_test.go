package staff_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"piste/fleet/audit"
	"piste/fleet/auth"
	"piste/fleet/fault"
	"piste/fleet/staff"
	"piste/fleet/store"
)

func manageSetup(t *testing.T) (*staff.Service, *store.Store) {
	t.Helper()
	st, err := store.Open(t.TempDir())
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	ctx := context.Background()
	for _, b := range []string{"kallio", "oodi", "pasila"} {
		require.NoError(t, st.AddBranch(ctx, store.Branch{ID: b, Name: b, TZ: "Europe/Helsinki"}))
	}
	s := staff.New(st, audit.New(st))
	hash, err := auth.HashPassword("fleet admin password")
	require.NoError(t, err)
	require.NoError(t, st.AddUser(ctx, store.User{Name: "ada", Role: staff.RoleAdmin, PWHash: hash}))
	require.NoError(t, st.AddUser(ctx, store.User{Name: "kim", Role: staff.RoleAdmin, Branches: []string{"kallio", "pasila"}, PWHash: hash}))
	require.NoError(t, st.AddUser(ctx, store.User{Name: "olli", Role: staff.RoleAdmin, Branches: []string{"oodi"}, PWHash: hash}))
	require.NoError(t, st.AddUser(ctx, store.User{Name: "vera", Role: staff.RoleVolunteer, Branches: []string{"kallio", "oodi"}, PWHash: hash}))
	return s, st
}

var errField = errors.New("a field error")

func TestManageWithinBranches(t *testing.T) {
	s, _ := manageSetup(t)
	ctx := context.Background()
	ada := staff.Member{Name: "ada", Role: staff.RoleAdmin}
	kim := staff.Member{Name: "kim", Role: staff.RoleAdmin, Branches: []string{"kallio", "pasila"}}
	val := staff.Member{Name: "val", Role: staff.RoleVolunteer, Branches: []string{"kallio"}}

	tests := []struct {
		name string
		do   func() error
		want error // nil: allowed; errField: a field error
	}{
		{"branch admin adds in its branch", func() error { _, err := s.CreateAccount(ctx, kim, "k1", "volunteer", []string{"kallio"}); return err }, nil},
		{"branch admin adds in both its branches", func() error {
			_, err := s.CreateAccount(ctx, kim, "k2", "admin", []string{"kallio", "pasila"})
			return err
		}, nil},
		{"branch admin adds in another branch", func() error { _, err := s.CreateAccount(ctx, kim, "k3", "volunteer", []string{"oodi"}); return err }, errField},
		{"branch admin adds fleet-wide", func() error { _, err := s.CreateAccount(ctx, kim, "k4", "admin", nil); return err }, fault.ErrForbidden},
		{"name taken, not replaced", func() error { _, err := s.CreateAccount(ctx, kim, "olli", "volunteer", []string{"kallio"}); return err }, fault.ErrConflict},
		{"volunteer adds", func() error { _, err := s.CreateAccount(ctx, val, "v1", "volunteer", []string{"kallio"}); return err }, fault.ErrForbidden},
		{"branch admin disables another branch's admin", func() error { return s.SetDisabled(ctx, kim, "olli", true) }, fault.ErrNotFound},
		{"branch admin disables one who also works elsewhere", func() error { return s.SetDisabled(ctx, kim, "vera", true) }, fault.ErrNotFound},
		{"branch admin resets the fleet admin", func() error { _, err := s.ResetPassword(ctx, kim, "ada"); return err }, fault.ErrNotFound},
		{"branch admin widens an account to another branch", func() error { return s.SetAccess(ctx, kim, "k1", "volunteer", []string{"kallio", "oodi"}) }, errField},
		{"branch admin changes its own role", func() error { return s.SetAccess(ctx, ada, "ada", "volunteer", nil) }, fault.ErrForbidden},
		{"nobody disables themselves", func() error { return s.SetDisabled(ctx, ada, "ada", true) }, fault.ErrForbidden},
		{"fleet admin disables anyone", func() error { return s.SetDisabled(ctx, ada, "vera", true) }, nil},
		{"name with a control character", func() error { _, err := s.CreateAccount(ctx, ada, "x\x1fy", "volunteer", nil); return err }, errField},
		{"name with a slash", func() error { _, err := s.CreateAccount(ctx, ada, "x/y", "volunteer", nil); return err }, errField},
		{"unknown role", func() error { _, err := s.CreateAccount(ctx, ada, "x1", "root", nil); return err }, errField},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.do()
			if tc.want == nil {
				assert.NoError(t, err)
				return
			}
			if tc.want == errField {
				_, ok := fault.AsField(err)
				assert.True(t, ok, "%v", err)
				return
			}
			assert.ErrorIs(t, err, tc.want)
		})
	}
	list, err := s.Accounts(ctx, kim)
	require.NoError(t, err)
	var names []string
	for _, u := range list {
		names = append(names, u.Name)
	}
	assert.Equal(t, []string{"k1", "k2", "kim"}, names, "a branch admin sees only accounts of its branches")
}

func TestResetPasswordForcesANewOne(t *testing.T) {
	s, st := manageSetup(t)
	ctx := context.Background()
	ada := staff.Member{Name: "ada", Role: staff.RoleAdmin}
	temp, err := s.CreateAccount(ctx, ada, "nina", "volunteer", []string{"kallio"})
	require.NoError(t, err)
	sess, err := s.Login(ctx, "nina", temp, "192.0.2.1")
	require.NoError(t, err)
	assert.True(t, sess.Member.MustChangePassword, "a new account chooses its own password first")
	require.NoError(t, s.ChangePassword(ctx, sess.Member, sess.Token, temp, "nina's own password"))
	m, err := s.Authenticate(ctx, sess.Token)
	require.NoError(t, err)
	assert.False(t, m.MustChangePassword)

	temp2, err := s.ResetPassword(ctx, ada, "nina")
	require.NoError(t, err)
	_, err = s.Authenticate(ctx, sess.Token)
	assert.ErrorIs(t, err, fault.ErrUnauthenticated, "a reset ends the account's logins")
	_, err = s.Login(ctx, "nina", "nina's own password", "192.0.2.1")
	assert.ErrorIs(t, err, fault.ErrUnauthenticated, "the old password no longer works")
	sess, err = s.Login(ctx, "nina", temp2, "192.0.2.1")
	require.NoError(t, err)
	assert.True(t, sess.Member.MustChangePassword)
	err = s.ChangePassword(ctx, sess.Member, sess.Token, "wrong", "another password")
	fe, ok := fault.AsField(err)
	require.True(t, ok, "%v", err)
	assert.Equal(t, "current", fe.Field)

	require.NoError(t, s.SetDisabled(ctx, ada, "nina", true))
	_, err = s.Authenticate(ctx, sess.Token)
	assert.ErrorIs(t, err, fault.ErrUnauthenticated, "disabling ends the logins")
	_, err = s.Login(ctx, "nina", temp2, "192.0.2.1")
	assert.ErrorIs(t, err, fault.ErrForbidden, "a disabled account cannot log in")

	entries, err := st.AuditSearch(ctx, store.AuditFilter{Target: "nina", Limit: 50})
	require.NoError(t, err)
	var actions []string
	for _, e := range entries {
		actions = append(actions, e.Action)
	}
	for _, want := range []string{"user-add", "password-change", "password-reset", "user-disable"} {
		assert.Contains(t, actions, want)
	}
}
