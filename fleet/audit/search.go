package audit

import (
	"context"
	"fmt"
	"slices"

	"piste/fleet/store"
)

// Search returns the entries matching f that v may see, newest first, at
// most f.Limit; the same branch rule as Read applies.
func (l *Log) Search(ctx context.Context, v Viewer, f store.AuditFilter) ([]store.AuditEntry, error) {
	limit := f.Limit
	if !v.FleetWide() {
		f.Limit = limit * 20 // entries of other branches are skipped
	}
	entries, err := l.Store.AuditSearch(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("audit: search: %w", err)
	}
	if v.FleetWide() {
		return entries, nil
	}
	out := make([]store.AuditEntry, 0, limit)
	cache := map[string][]string{}
	for _, e := range entries {
		bs, err := l.branchOf(ctx, e, cache)
		if err != nil {
			return nil, err
		}
		if slices.ContainsFunc(bs, v.CanSee) {
			out = append(out, e)
		}
		if len(out) == limit {
			break
		}
	}
	return out, nil
}
