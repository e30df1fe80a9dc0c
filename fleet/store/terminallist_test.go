package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"piste/fleet/store"
)

// seedList makes a fleet of n terminals over three branches with mixed
// states, versions and kinds; every seventh is linked.
func seedList(t *testing.T, n int) *store.Store {
	t.Helper()
	st, err := store.Open(t.TempDir())
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	ctx := context.Background()
	branches := []string{"kallio", "oodi", "pasila"}
	for _, b := range branches {
		require.NoError(t, st.AddBranch(ctx, store.Branch{ID: b, Name: b, TZ: "Europe/Helsinki"}))
	}
	states := []string{"idle", "active", "out_of_service", "wiping", "idle"}
	now := time.Now()
	var ts []store.Terminal
	for i := range n {
		kind := "pc"
		if i%5 == 0 {
			kind = "screen"
		}
		ts = append(ts, store.Terminal{ID: fmt.Sprintf("t-%04d", i), Name: fmt.Sprintf("pc-%02d", i%37), // names repeat
			Branch: branches[i%3], Kind: kind, EnrolledAt: now, State: states[i%5],
			AgentVersion: fmt.Sprintf("1.%d.0", i%4), LastSeen: now.Add(-time.Duration(i%11) * time.Minute)})
	}
	require.NoError(t, st.SeedTerminals(ctx, ts))
	var linked []string
	for i := 0; i < n; i += 7 {
		linked = append(linked, fmt.Sprintf("t-%04d", i))
	}
	require.NoError(t, st.SetLinked(ctx, true, linked...))
	return st
}

// Walking every page of every order gives each selected terminal once, in
// the order a full sort gives.
func TestTerminalPagesWalkTheWholeList(t *testing.T) {
	st := seedList(t, 300)
	ctx := context.Background()
	filters := []store.TerminalQuery{
		{},
		{Branch: "oodi"},
		{Branches: []string{"kallio", "pasila"}, Status: "in_session"},
		{Status: "offline", Kind: "screen"},
		{Version: "1.2.0", Text: "PC-1"},
		{Branches: []string{}},
	}
	for _, f := range filters {
		all := f
		all.Limit = 10000
		all.Sort = store.SortByName
		want, err := st.TerminalPage(ctx, all)
		require.NoError(t, err)
		for _, sort := range []string{store.SortByName, store.SortByBranch, store.SortByStatus, store.SortByVersion, store.SortByLastSeen} {
			for _, desc := range []bool{false, true} {
				t.Run(fmt.Sprintf("%+v/%s/desc=%v", f, sort, desc), func(t *testing.T) {
					q := f
					q.Sort, q.Desc, q.Limit = sort, desc, 17
					var got []store.Terminal
					for {
						page, err := st.TerminalPage(ctx, q)
						require.NoError(t, err)
						got = append(got, page...)
						if len(page) < q.Limit {
							break
						}
						q.After = store.ListKey(sort, page[len(page)-1])
					}
					require.Len(t, got, len(want))
					ids := map[string]bool{}
					for i, tm := range got {
						require.False(t, ids[tm.ID], "%s twice", tm.ID)
						ids[tm.ID] = true
						if i > 0 {
							c := compareKeys(store.ListKey(sort, got[i-1]), store.ListKey(sort, tm))
							if desc {
								c = -c
							}
							require.Negative(t, c, "order at %d", i)
						}
					}
				})
			}
		}
	}
}

func compareKeys(a, b []any) int {
	for i := range a {
		switch x := a[i].(type) {
		case string:
			if c := strings.Compare(x, b[i].(string)); c != 0 {
				return c
			}
		case int64:
			if c := x - b[i].(int64); c != 0 {
				return int(c)
			}
		}
	}
	return 0
}

func TestTerminalFiltersAndCounts(t *testing.T) {
	st := seedList(t, 140)
	ctx := context.Background()
	counts, err := st.CountByStatus(ctx, store.TerminalQuery{Branch: "kallio", Status: "online"})
	require.NoError(t, err)
	page, err := st.TerminalPage(ctx, store.TerminalQuery{Branch: "kallio", Limit: 1000})
	require.NoError(t, err)
	want := map[string]int{}
	for _, tm := range page {
		want[tm.ListStatus]++
		require.Equal(t, "kallio", tm.Branch)
		switch {
		case !tm.Linked:
			require.Equal(t, "offline", tm.ListStatus)
		case tm.State == "out_of_service":
			require.Equal(t, "out_of_service", tm.ListStatus)
		case tm.State == "active" || tm.State == "wiping":
			require.Equal(t, "in_session", tm.ListStatus)
		default:
			require.Equal(t, "online", tm.ListStatus)
		}
	}
	assert.Equal(t, want, counts, "counts ignore the status filter")
	assert.Len(t, want, 4, "every status occurs")

	ids, err := st.TerminalIDs(ctx, store.TerminalQuery{Branches: []string{"oodi"}, Text: "%"})
	require.NoError(t, err)
	assert.Empty(t, ids, "a % in the search is a character, not a wildcard")
	ids, err = st.TerminalIDs(ctx, store.TerminalQuery{Branches: []string{"oodi"}, Text: "t-000"})
	require.NoError(t, err)
	assert.Equal(t, []string{"t-0001", "t-0004", "t-0007"}, ids)
	require.True(t, slices.IsSorted(ids))
}

// Each order pages through an index, never sorting the whole table: what
// keeps the first page fast at 50,000 terminals.
func TestTerminalPagesUseIndexes(t *testing.T) {
	st := seedList(t, 50)
	ctx := context.Background()
	for _, sort := range []string{store.SortByName, store.SortByBranch, store.SortByStatus, store.SortByVersion, store.SortByLastSeen} {
		for _, q := range []store.TerminalQuery{{Sort: sort}, {Sort: sort, After: store.ListKey(sort, store.Terminal{ID: "t-0010", Name: "pc-10", Branch: "oodi", ListStatus: "online", AgentVersion: "1.1.0"})}} {
			plan, err := st.ExplainTerminalPage(ctx, q)
			require.NoError(t, err)
			assert.NotContains(t, plan, "TEMP B-TREE", "sort %s sorts in memory:\n%s", sort, plan)
			assert.Contains(t, plan, "USING INDEX", "sort %s:\n%s", sort, plan)
		}
	}
	plan, err := st.ExplainTerminalPage(ctx, store.TerminalQuery{Sort: store.SortByName, Branch: "oodi", Status: "offline"})
	require.NoError(t, err)
	assert.Contains(t, plan, "INDEX", plan)
}

// A presence flush links every live terminal, however many: SetLinked
// writes them in several transactions, and none is left out.
func TestSetLinkedReachesEveryTerminalOfALargeFleet(t *testing.T) {
	st := seedList(t, 1300)
	ctx := context.Background()
	all, err := st.TerminalIDs(ctx, store.TerminalQuery{})
	require.NoError(t, err)
	require.Len(t, all, 1300)
	linked := func() int { // every terminal not counted offline
		counts, err := st.CountByStatus(ctx, store.TerminalQuery{})
		require.NoError(t, err)
		return len(all) - counts["offline"]
	}
	require.NoError(t, st.SetLinked(ctx, true, all...))
	assert.Equal(t, 1300, linked())
	require.NoError(t, st.SetLinked(ctx, false, all[:1100]...))
	assert.Equal(t, 200, linked())
	require.NoError(t, st.SetLinked(ctx, true))
	assert.Equal(t, 200, linked(), "no ids, no change")
}
