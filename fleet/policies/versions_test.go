package policies_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"piste/fleet/fault"
	"piste/fleet/staff"
)

func TestVersionsAndRollback(t *testing.T) {
	s, st := newService(t)
	ctx := context.Background()
	kim := staff.Member{Name: "kim", Role: staff.RoleAdmin, Branches: []string{"kallio"}}
	_, err := s.Put(ctx, kim, "branch:kallio", []byte("session:\n  max_minutes: 45\n"))
	require.NoError(t, err)
	_, err = s.Put(ctx, kim, "branch:kallio", []byte("session:\n  max_minutes: 30\n"))
	require.NoError(t, err)

	vs, err := s.Versions(ctx, kim, "branch:kallio")
	require.NoError(t, err)
	require.Len(t, vs, 2)
	assert.Equal(t, 2, vs[0].Version, "newest first")
	assert.Equal(t, "kim", vs[0].CreatedBy)
	assert.Equal(t, "session.max_minutes: 45 -> 30", vs[0].Diff)

	v, err := s.Rollback(ctx, kim, "branch:kallio", 1)
	require.NoError(t, err)
	assert.Equal(t, 3, v.Version)
	assert.Equal(t, 1, v.RollbackOf)
	l, err := s.Get(ctx, kim, "branch:kallio")
	require.NoError(t, err)
	assert.Equal(t, "session:\n  max_minutes: 45\n", l.YAML, "the stored layer is version 1's again")

	entries, err := st.AuditLog(ctx, 10)
	require.NoError(t, err)
	require.NotEmpty(t, entries)
	assert.Equal(t, "policy-rollback", entries[0].Action)
	assert.Contains(t, entries[0].Detail, "to version 1")

	_, err = s.Rollback(ctx, kim, "branch:kallio", 9)
	assert.ErrorIs(t, err, fault.ErrNotFound)
	_, err = s.Rollback(ctx, kim, "branch:kallio", 0)
	_, isField := fault.AsField(err)
	assert.True(t, isField)

	other := staff.Member{Name: "olli", Role: staff.RoleAdmin, Branches: []string{"oodi"}}
	_, err = s.Versions(ctx, other, "branch:kallio")
	assert.ErrorIs(t, err, fault.ErrForbidden, "another branch's admin sees no history")
	_, err = s.Rollback(ctx, other, "branch:kallio", 1)
	assert.ErrorIs(t, err, fault.ErrForbidden)
	vol := staff.Member{Name: "val", Role: staff.RoleVolunteer}
	_, err = s.Versions(ctx, vol, "branch:kallio")
	assert.ErrorIs(t, err, fault.ErrForbidden)
}

func TestPreviewPlacesProblemsAtTheirLine(t *testing.T) {
	s, _ := newService(t)
	ctx := context.Background()
	ada := staff.Member{Name: "ada", Role: staff.RoleAdmin}
	p, err := s.Preview(ctx, ada, "branch:kallio", []byte("session:\n  max_minutes: 45\n  warn_minuts: [5]\nwipe:\n  grace_seconds: 99\n"))
	require.NoError(t, err)
	require.Len(t, p.Problems, 2)
	assert.Equal(t, 3, p.Problems[0].Line)
	assert.Contains(t, p.Problems[0].Message, "did you mean session.warn_minutes")
	assert.Equal(t, 5, p.Problems[1].Line)
	assert.Equal(t, "wipe.grace_seconds", p.Problems[1].Key)

	p, err = s.Preview(ctx, ada, "branch:kallio", []byte("session:\n  max_minutes: 45\n"))
	require.NoError(t, err)
	assert.Empty(t, p.Problems)
	assert.Equal(t, "+ session.max_minutes: 45", p.Diff)
	_, err = s.Get(ctx, ada, "branch:kallio")
	assert.ErrorIs(t, err, fault.ErrNotFound, "a preview stores nothing")

	// Valid alone, invalid merged: the merged problem is named.
	p, err = s.Preview(ctx, ada, "branch:kallio", []byte("session:\n  max_minutes: 1\n"))
	require.NoError(t, err)
	require.NotEmpty(t, p.Problems)
	assert.Contains(t, p.Problems[0].Message, "session.max_minutes (1)")
}

func TestEffectiveNamesTheLayerOfEachKey(t *testing.T) {
	s, _ := newService(t)
	ctx := context.Background()
	ada := staff.Member{Name: "ada", Role: staff.RoleAdmin}
	_, err := s.Put(ctx, ada, "fleet", []byte("session:\n  max_minutes: 50\n"))
	require.NoError(t, err)
	_, err = s.Put(ctx, ada, "terminal:t-kallio", []byte("session:\n  max_minutes: 40\n  warn_minutes: [3]\n"))
	require.NoError(t, err)
	e, err := s.Effective(ctx, ada, "t-kallio")
	require.NoError(t, err)
	byKey := map[string]int{}
	for i, k := range e.Keys {
		byKey[k.Key] = i
	}
	k := e.Keys[byKey["session.max_minutes"]]
	assert.Equal(t, "40", string(k.Value))
	assert.Equal(t, []string{"fleet", "terminal:t-kallio"}, k.SetBy)
	assert.Equal(t, []string{"default"}, e.Keys[byKey["wipe.grace_seconds"]].SetBy)
	assert.Equal(t, "false", string(e.Keys[byKey["power.enabled"]].Value))

	_, err = s.Effective(ctx, staff.Member{Name: "olli", Role: staff.RoleAdmin, Branches: []string{"oodi"}}, "t-kallio")
	assert.ErrorIs(t, err, fault.ErrNotFound, "another branch's terminal is not there for a branch admin")
}

func TestSetDayHours(t *testing.T) {
	s, _ := newService(t)
	ctx := context.Background()
	kim := staff.Member{Name: "kim", Role: staff.RoleAdmin, Branches: []string{"kallio"}}
	_, err := s.Put(ctx, kim, "branch:kallio", []byte("# Kallio\nhours:\n  weekly:\n    mon: \"09:00-20:00\"\n"))
	require.NoError(t, err)
	v, err := s.SetDayHours(ctx, kim, "kallio", "2026-12-24", "closed", "Christmas Eve")
	require.NoError(t, err)
	assert.Equal(t, 2, v)
	_, err = s.SetDayHours(ctx, kim, "kallio", "2026-12-31", "09:00-14:00", "")
	require.NoError(t, err)
	_, err = s.SetDayHours(ctx, kim, "kallio", "2026-12-24", "10:00-12:00", "")
	require.NoError(t, err)
	l, err := s.Get(ctx, kim, "branch:kallio")
	require.NoError(t, err)
	assert.Equal(t, "# Kallio\nhours:\n  weekly:\n    mon: \"09:00-20:00\"\n  exceptions:\n"+
		"    - {date: 2026-12-31, hours: \"09:00-14:00\"}\n    - {date: 2026-12-24, hours: \"10:00-12:00\"}\n", l.YAML)

	_, err = s.SetDayHours(ctx, kim, "kallio", "2026-12-31", "", "")
	require.NoError(t, err)
	l, err = s.Get(ctx, kim, "branch:kallio")
	require.NoError(t, err)
	assert.NotContains(t, l.YAML, "2026-12-31", "empty hours remove the date")

	for _, tc := range []struct{ date, hours, field string }{
		{"24.12.2026", "closed", "date"}, {"2026-12-24", "9-20", "hours"}, {"2026-12-24", "20:00-09:00", "hours"},
	} {
		_, err := s.SetDayHours(ctx, kim, "kallio", tc.date, tc.hours, "")
		fe, ok := fault.AsField(err)
		require.True(t, ok, "%v", err)
		assert.Equal(t, tc.field, fe.Field)
	}
	_, err = s.SetDayHours(ctx, kim, "oodi", "2026-12-24", "closed", "")
	assert.ErrorIs(t, err, fault.ErrForbidden, "another branch's hours")
}
