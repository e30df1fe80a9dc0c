package guestpasses_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"piste/fleet/audit"
	"piste/fleet/fault"
	"piste/fleet/guestpasses"
	"piste/fleet/staff"
	"piste/fleet/store"
)

func TestIssue(t *testing.T) {
	st, err := store.Open(t.TempDir())
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	ctx := context.Background()
	for _, b := range []string{"kallio", "oodi"} {
		require.NoError(t, st.AddBranch(ctx, store.Branch{ID: b, Name: b, TZ: "Europe/Helsinki"}))
	}
	s := guestpasses.New(st, audit.New(st))
	kallioAdmin := staff.Member{Name: "kim", Role: staff.RoleAdmin, Branches: []string{"kallio"}}
	tests := []struct {
		name  string
		m     staff.Member
		req   guestpasses.Request
		want  error
		field string
	}{
		{"another branch", kallioAdmin, guestpasses.Request{Branch: "oodi", Count: 1, Minutes: 30}, nil, "branch"},
		{"volunteer", staff.Member{Name: "val", Role: staff.RoleVolunteer, Branches: []string{"kallio"}},
			guestpasses.Request{Branch: "kallio", Count: 1, Minutes: 30}, fault.ErrForbidden, ""},
		{"no such branch", staff.CLI, guestpasses.Request{Branch: "atlantis", Count: 1, Minutes: 30}, nil, "branch"},
		{"no count", kallioAdmin, guestpasses.Request{Branch: "kallio", Minutes: 30}, nil, "count"},
		{"too many minutes", kallioAdmin, guestpasses.Request{Branch: "kallio", Count: 1, Minutes: 2000}, nil, "minutes"},
		{"expired", kallioAdmin, guestpasses.Request{Branch: "kallio", Count: 1, Minutes: 30, ValidUntil: time.Now().Add(-time.Hour)}, nil, "valid_until"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.Issue(ctx, tc.m, tc.req)
			if tc.want != nil {
				assert.ErrorIs(t, err, tc.want)
				return
			}
			fe, ok := fault.AsField(err)
			require.True(t, ok, "%v", err)
			assert.Equal(t, tc.field, fe.Field)
		})
	}
	batch, err := s.Issue(ctx, kallioAdmin, guestpasses.Request{Branch: "kallio", Count: 3, Minutes: 30})
	require.NoError(t, err)
	assert.Len(t, batch.Codes, 3)
	assert.WithinDuration(t, time.Now().Add(guestpasses.DefaultValidity), batch.ValidUntil, time.Minute)
	minutes, err := st.RedeemGuestPass(ctx, guestpasses.Hash(batch.Codes[0]), "kallio", "t-1", time.Now())
	require.NoError(t, err)
	assert.Equal(t, 30, minutes)
	entries, err := st.AuditLog(ctx, 10)
	require.NoError(t, err)
	require.Len(t, entries, 1, "only the batch made is recorded")
	assert.Equal(t, store.AuditEntry{At: entries[0].At, Actor: "kim", Action: "guest-passes", Target: "kallio", Detail: "3 passes of 30 min"}, entries[0])
}
