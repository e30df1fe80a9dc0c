package terminals_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"piste/fleet/fault"
	"piste/fleet/protocol"
	"piste/fleet/staff"
	"piste/fleet/store"
	"piste/fleet/terminals"
)

// seedMore adds n terminals per branch named <branch>-pc-NN, every third a
// screen.
func (f *fixture) seedMore(t *testing.T, n int) {
	t.Helper()
	var ts []store.Terminal
	for _, b := range []string{"kallio", "oodi"} {
		for i := range n {
			kind := "pc"
			if i%3 == 0 {
				kind = "screen"
			}
			ts = append(ts, store.Terminal{ID: fmt.Sprintf("t-%s-%02d", b, i), Name: fmt.Sprintf("%s-pc-%02d", b, i),
				Branch: b, Kind: kind, EnrolledAt: time.Now(), AgentVersion: "1.4.0"})
		}
	}
	require.NoError(t, f.st.SeedTerminals(context.Background(), ts))
}

// A bulk lock over a filter queues one command for each terminal the
// filter selects within the admin's branches and no other, after the
// confirmed count, with one audit entry listing them.
func TestBulkByFilter(t *testing.T) {
	f := newFixture(t)
	f.seedMore(t, 9)
	ctx := context.Background()
	screens := &terminals.Query{Kind: "screen"}

	res, err := f.svc.Bulk(ctx, kallioAdmin, terminals.BulkRequest{Filter: screens, Type: protocol.CommandLock, DryRun: true})
	require.NoError(t, err)
	assert.Equal(t, 3, res.Count, "kallio's screens only")
	f.link.take()
	assert.Empty(t, f.link.delivered, "a dry run sends nothing")

	_, err = f.svc.Bulk(ctx, kallioAdmin, terminals.BulkRequest{Filter: screens, Type: protocol.CommandLock, Confirm: 6})
	assert.ErrorIs(t, err, fault.ErrConflict, "the count confirmed is not the selection's")

	res, err = f.svc.Bulk(ctx, kallioAdmin, terminals.BulkRequest{Filter: screens, Type: protocol.CommandLock, Confirm: 3})
	require.NoError(t, err)
	f.link.take()
	require.Len(t, f.link.delivered, 3)
	for _, id := range f.link.delivered {
		c, err := f.st.Command(ctx, id)
		require.NoError(t, err)
		assert.Equal(t, protocol.CommandLock, c.Type)
		assert.Contains(t, []string{"t-kallio-00", "t-kallio-03", "t-kallio-06"}, c.TerminalID)
	}
	entries, err := f.st.AuditLog(ctx, 5)
	require.NoError(t, err)
	assert.Equal(t, "bulk:lock", entries[0].Action)
	assert.Equal(t, "bulk:"+res.ID, entries[0].Target)
	assert.Equal(t, "3 terminals: t-kallio-00 t-kallio-03 t-kallio-06", entries[0].Detail)
	assert.NotEqual(t, "bulk:lock", entries[1].Action, "one entry per action")

	p, err := f.svc.Progress(ctx, kallioAdmin, res.ID)
	require.NoError(t, err)
	assert.Equal(t, map[string]int{store.CommandQueued: 3}, p.Statuses)
	_, err = f.svc.Progress(ctx, staff.Member{Name: "otto", Role: staff.RoleAdmin, Branches: []string{"oodi"}}, res.ID)
	assert.ErrorIs(t, err, fault.ErrNotFound, "another branch's action")
}

func TestBulkRefusals(t *testing.T) {
	f := newFixture(t)
	f.seedMore(t, 2)
	ctx := context.Background()
	tests := []struct {
		name  string
		m     staff.Member
		req   terminals.BulkRequest
		field string
		err   error
	}{
		{"volunteer", volunteer, terminals.BulkRequest{Terminals: []string{"t-kallio-00"}, Type: "lock", Confirm: 1}, "", fault.ErrForbidden},
		{"shutdown is not a bulk action", fleetAdmin, terminals.BulkRequest{Terminals: []string{"t-kallio-00"}, Type: "shutdown", Confirm: 1}, "type", nil},
		{"both filter and list", fleetAdmin, terminals.BulkRequest{Filter: &terminals.Query{}, Terminals: []string{"t-kallio-00"}, Type: "lock"}, "filter", nil},
		{"neither", fleetAdmin, terminals.BulkRequest{Type: "lock"}, "filter", nil},
		{"another branch's terminal by id", kallioAdmin, terminals.BulkRequest{Terminals: []string{"t-kallio-00", "t-oodi-00"}, Type: "lock", Confirm: 2}, "terminals", nil},
		{"a filter selecting nothing", fleetAdmin, terminals.BulkRequest{Filter: &terminals.Query{Text: "nothing-like-this"}, Type: "lock"}, "filter", nil},
		{"a bad filter", fleetAdmin, terminals.BulkRequest{Filter: &terminals.Query{Status: "asleep"}, Type: "lock"}, "status", nil},
		{"a message without text", fleetAdmin, terminals.BulkRequest{Terminals: []string{"t-kallio-00"}, Type: "message", Confirm: 1}, "texts", nil},
		{"a message in klingon", fleetAdmin, terminals.BulkRequest{Terminals: []string{"t-kallio-00"}, Type: "message", Texts: map[string]string{"tlh": "Qapla'"}, Confirm: 1}, "texts", nil},
		{"a message too long", fleetAdmin, terminals.BulkRequest{Terminals: []string{"t-kallio-00"}, Type: "message", Texts: map[string]string{"fi": strings.Repeat("a", 300), "en": strings.Repeat("b", 300)}, Confirm: 1}, "texts", nil},
		{"text on a lock", fleetAdmin, terminals.BulkRequest{Terminals: []string{"t-kallio-00"}, Type: "lock", Texts: map[string]string{"fi": "x"}, Confirm: 1}, "texts", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.svc.Bulk(ctx, tc.m, tc.req)
			require.Error(t, err)
			if tc.err != nil {
				assert.ErrorIs(t, err, tc.err)
				return
			}
			fe, ok := fault.AsField(err)
			require.True(t, ok, "%v", err)
			assert.Equal(t, tc.field, fe.Field, "%v", err)
		})
	}
	f.link.take()
	assert.Empty(t, f.link.delivered)

	// A message in several languages is one text, Finnish first.
	_, err := f.svc.Bulk(ctx, fleetAdmin, terminals.BulkRequest{Terminals: []string{"t-oodi-01", "t-oodi-01"}, Type: "message",
		Texts: map[string]string{"en": "Closing in 15 minutes", "fi": "Suljemme 15 minuutin kuluttua"}, Confirm: 1})
	require.NoError(t, err)
	f.link.take()
	require.Len(t, f.link.delivered, 1, "a terminal named twice gets one command")
	c, err := f.st.Command(ctx, f.link.delivered[0])
	require.NoError(t, err)
	assert.Equal(t, "Suljemme 15 minuutin kuluttua\n\nClosing in 15 minutes", c.Text)
}

// The page request reads and checks every parameter, and a cursor only
// works for the order it was given for.
func TestPageRequests(t *testing.T) {
	f := newFixture(t)
	f.seedMore(t, 30)
	ctx := context.Background()
	for _, tc := range []struct{ query, field string }{
		{"status=asleep", "status"},
		{"kind=toaster", "kind"},
		{"branch=no%20such", "branch"},
		{"sort=colour", "sort"},
		{"limit=0", "limit"},
		{"limit=501", "limit"},
		{"q=" + strings.Repeat("x", 101), "q"},
	} {
		v, _ := url.ParseQuery(tc.query)
		_, err := terminals.ParsePageRequest(v)
		fe, ok := fault.AsField(err)
		require.True(t, ok, "%s: %v", tc.query, err)
		assert.Equal(t, tc.field, fe.Field)
	}
	v, _ := url.ParseQuery("sort=-name&limit=7&kind=pc")
	req, err := terminals.ParsePageRequest(v)
	require.NoError(t, err)
	seen := map[string]bool{}
	pages := 0
	for {
		p, err := f.svc.Page(ctx, kallioAdmin, req)
		require.NoError(t, err)
		pages++
		assert.Equal(t, 21, p.Total, "kallio's 20 seeded PCs and its own terminal")
		for _, v := range p.Terminals {
			assert.Equal(t, "kallio", v.Branch)
			assert.Equal(t, "pc", v.Kind)
			assert.False(t, seen[v.ID])
			seen[v.ID] = true
		}
		if p.Next == "" {
			break
		}
		req.Cursor = p.Next
	}
	assert.Len(t, seen, 21)
	assert.Equal(t, 3, pages)

	req.Sort = "name"
	_, err = f.svc.Page(ctx, kallioAdmin, req)
	fe, ok := fault.AsField(err)
	require.True(t, ok, "%v", err)
	assert.Equal(t, "cursor", fe.Field, "a -name cursor is no good for name")
	req.Cursor = "eyJzIjoiLW5hbWUiLCJrIjpbMSwyXX0" // {"s":"-name","k":[1,2]}
	req.Sort = "-name"
	_, err = f.svc.Page(ctx, kallioAdmin, req)
	_, ok = fault.AsField(err)
	assert.True(t, ok, "a forged cursor: %v", err)
	_, err = f.svc.Page(ctx, volunteer, terminals.PageRequest{})
	assert.ErrorIs(t, err, fault.ErrForbidden)
}

func FuzzPageCursor(f *testing.F) {
	st, err := store.Open(f.TempDir())
	require.NoError(f, err)
	defer st.Close()
	svc := terminals.New(st, offlineLink{}, nil)
	for _, s := range []string{"", "eyJzIjoibmFtZSIsImsiOlsiYSIsImIiXX0", "eyJzIjoibGFzdF9zZWVuIiwiayI6WzEuNSwiYiJdfQ", "%%%"} {
		f.Add(s, "name")
		f.Add(s, "last_seen")
	}
	f.Fuzz(func(t *testing.T, cursor, sort string) {
		v := url.Values{"cursor": {cursor}, "sort": {sort}}
		req, err := terminals.ParsePageRequest(v)
		if err != nil {
			return
		}
		_, err = svc.Page(context.Background(), fleetAdmin, req)
		if err != nil && !fault.Known(err) {
			t.Fatalf("cursor %q sort %q: an internal error: %v", cursor, sort, err)
		}
	})
}
