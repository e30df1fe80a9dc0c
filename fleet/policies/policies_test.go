package policies_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"piste/fleet/audit"
	"piste/fleet/auth"
	"piste/fleet/fault"
	"piste/fleet/policies"
	"piste/fleet/staff"
	"piste/fleet/store"
)

func newService(t *testing.T) (*policies.Service, *store.Store) {
	t.Helper()
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
	return policies.New(st, audit.New(st)), st
}

const layer = "session:\n  max_minutes: 45\n"

func TestScopeRules(t *testing.T) {
	s, _ := newService(t)
	ctx := context.Background()
	fleetAdmin := staff.Member{Name: "ada", Role: staff.RoleAdmin}
	kallioAdmin := staff.Member{Name: "kim", Role: staff.RoleAdmin, Branches: []string{"kallio"}}
	volunteer := staff.Member{Name: "val", Role: staff.RoleVolunteer}
	tests := []struct {
		name  string
		m     staff.Member
		scope string
		want  error // nil: stored
	}{
		{"fleet admin, fleet", fleetAdmin, "fleet", nil},
		{"branch admin, its branch", kallioAdmin, "branch:kallio", nil},
		{"branch admin, its terminal", kallioAdmin, "terminal:t-kallio", nil},
		{"branch admin, the fleet", kallioAdmin, "fleet", fault.ErrForbidden},
		{"branch admin, another branch", kallioAdmin, "branch:oodi", fault.ErrForbidden},
		{"branch admin, another branch's terminal", kallioAdmin, "terminal:t-oodi", fault.ErrForbidden},
		{"branch admin, an unknown terminal", kallioAdmin, "terminal:t-nope", fault.ErrForbidden},
		{"volunteer", volunteer, "branch:kallio", fault.ErrForbidden},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.Put(ctx, tc.m, tc.scope, []byte(layer))
			_, getErr := s.Get(ctx, tc.m, tc.scope)
			if tc.want == nil {
				assert.NoError(t, err)
				assert.NoError(t, getErr)
				return
			}
			assert.ErrorIs(t, err, tc.want)
			assert.ErrorIs(t, getErr, tc.want, "reading is scoped like writing")
		})
	}
}

func TestPutNamesTheField(t *testing.T) {
	s, st := newService(t)
	ctx := context.Background()
	m := staff.Member{Name: "ada", Role: staff.RoleAdmin}
	tests := []struct{ name, scope, yaml, field string }{
		{"unknown key", "fleet", "session:\n  max_minuts: 5\n", "session.max_minuts"},
		{"out of range", "fleet", "session:\n  max_minutes: 0\n", "session.max_minutes"},
		{"bad scope", "galaxy", "", "scope"},
		{"unknown branch", "branch:atlantis", "", "scope"},
		{"group scope", "group:lab", "", "scope"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.Put(ctx, m, tc.scope, []byte(tc.yaml))
			fe, ok := fault.AsField(err)
			require.True(t, ok, "%v", err)
			assert.Equal(t, tc.field, fe.Field)
		})
	}
	entries, err := st.AuditLog(ctx, 10)
	require.NoError(t, err)
	assert.Empty(t, entries, "nothing refused is recorded as done")
	_, err = s.Put(ctx, m, "fleet", []byte(layer))
	require.NoError(t, err)
	entries, err = st.AuditLog(ctx, 10)
	require.NoError(t, err)
	require.Len(t, entries, 1)
	assert.Equal(t, "policy-apply", entries[0].Action)
	assert.Equal(t, "ada", entries[0].Actor)
	assert.Equal(t, "+ session.max_minutes: 45", entries[0].Detail)

	_, err = s.Put(ctx, m, "fleet", []byte("session:\n  max_minutes: 30\n"))
	require.NoError(t, err)
	entries, err = st.AuditLog(ctx, 1)
	require.NoError(t, err)
	assert.Equal(t, "session.max_minutes: 45 -> 30", entries[0].Detail, "the audit says what changed, old against new")
}
