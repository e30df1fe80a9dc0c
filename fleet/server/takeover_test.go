package server

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"piste/fleet/store"
)

// A branch admin creating an account under an existing name gets a
// conflict and changes nothing: not a fleet-wide admin's, not another
// branch's, not one of its own branch's (which it must edit openly). The
// account keeps its role, branches and password; its logins still work.
func TestBranchAdminCannotTakeOverAnAccountByName(t *testing.T) {
	f := newTestFleet(t)
	admin, kallio := f.login("admin"), f.login("kallio-admin")
	status, body := f.do("POST", "/api/v1/staff", admin, `{"name":"ossi","role":"volunteer","branches":["oodi"]}`)
	require.Equal(t, 201, status, body)
	ctx := context.Background()
	before := map[string]store.User{}
	for _, name := range []string{"admin", "ossi", "vera", "edith"} {
		u, err := f.srv.Store.UserByName(ctx, name)
		require.NoError(t, err)
		before[name] = u
	}
	for _, name := range []string{"admin", "ossi", "vera", "edith"} {
		status, body := f.do("POST", "/api/v1/staff", kallio, `{"name":"`+name+`","role":"admin","branches":["kallio"]}`)
		assert.Equal(t, 409, status, "creating %q: %v", name, body)
		assert.Nil(t, body["one_time_password"], "a password for an existing account %q", name)
		u, err := f.srv.Store.UserByName(ctx, name)
		require.NoError(t, err)
		assert.Equal(t, before[name].Role, u.Role, name)
		assert.Equal(t, before[name].Branches, u.Branches, name)
		assert.Equal(t, before[name].PWHash, u.PWHash, name)
		assert.Equal(t, before[name].MustChangePassword, u.MustChangePassword, name)
	}
	// The fleet-wide admin's own login and token still work.
	status, _ = f.do("GET", "/api/v1/staff", admin, "")
	assert.Equal(t, 200, status)
	f.login("admin")
	f.login("vera")
}
