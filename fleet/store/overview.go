package store

import (
	"context"
	"time"
)

// BranchDay is one branch's visitor sessions of one day.
type BranchDay struct {
	Branch      string
	Day         string // YYYY-MM-DD in the branch's zone
	Sessions    int
	MinutesUsed int
}

// StatusCounts counts unrevoked terminals by branch and status (the list's
// statuses), and PCs by branch.
func (s *Store) StatusCounts(ctx context.Context) (byStatus map[string]map[string]int, pcs map[string]int, err error) {
	rows, err := s.r.QueryContext(ctx, `SELECT branch, status, kind = 'pc', COUNT(*) FROM terminals
		WHERE revoked_at IS NULL GROUP BY branch, status, kind = 'pc'`)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	byStatus, pcs = map[string]map[string]int{}, map[string]int{}
	for rows.Next() {
		var b, st string
		var pc bool
		var n int
		if err := rows.Scan(&b, &st, &pc, &n); err != nil {
			return nil, nil, err
		}
		if byStatus[b] == nil {
			byStatus[b] = map[string]int{}
		}
		byStatus[b][st] += n
		if pc {
			pcs[b] += n
		}
	}
	return byStatus, pcs, rows.Err()
}

// OpenAlertsByBranch counts open alerts of one kind by branch.
func (s *Store) OpenAlertsByBranch(ctx context.Context, kind string) (map[string]int, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT t.branch, COUNT(*) FROM alerts a JOIN terminals t ON t.id = a.terminal_id
		WHERE a.closed_at IS NULL AND a.kind = ? GROUP BY t.branch`, kind)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var b string
		var n int
		if err := rows.Scan(&b, &n); err != nil {
			return nil, err
		}
		out[b] = n
	}
	return out, rows.Err()
}

// SessionDays counts visitor sessions and the minutes they used by branch
// and day, for days from since (YYYY-MM-DD) on. A session still running
// counts the minutes until now.
func (s *Store) SessionDays(ctx context.Context, since string, now time.Time) ([]BranchDay, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT branch, day, COUNT(*),
		SUM(COALESCE(used_min, MAX(0, (MIN(?, ends_at) - granted_at) / 60000)))
		FROM visitor_sessions WHERE day >= ? GROUP BY branch, day`, ms(now), since)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []BranchDay
	for rows.Next() {
		var d BranchDay
		if err := rows.Scan(&d.Branch, &d.Day, &d.Sessions, &d.MinutesUsed); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// WipeCounts counts a branch's wipes that ended since a time, verified
// and failed.
func (s *Store) WipeCounts(ctx context.Context, branch string, since time.Time) (verified, failed int, err error) {
	err = s.r.QueryRowContext(ctx, `SELECT COALESCE(SUM(w.verified != 0), 0), COALESCE(SUM(w.verified = 0), 0)
		FROM wipe_receipts w JOIN terminals t ON t.id = w.terminal_id
		WHERE w.ended_at >= ? AND t.branch = ?`, ms(since), branch).Scan(&verified, &failed)
	return verified, failed, err
}
