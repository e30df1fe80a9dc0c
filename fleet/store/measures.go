package store

import (
	"context"
	"time"
)

// MonthCounts are a month's counts for the programme's measures, by
// branch: terminals, self-service use and software updates.
type MonthCounts struct {
	Branch          string
	Terminals       int64
	Sessions        map[string]int64 // by session kind: card, guest, walkup
	Reservations    int64
	SoftwareUpdates int64
}

// MeasureCounts counts the month [from, to) by branch (day keys are the
// quota days, "YYYY-MM-DD"), from the live rows and the statistics that
// retention rolled them into.
func (s *Store) MeasureCounts(ctx context.Context, from, to time.Time) (map[string]*MonthCounts, error) {
	out := map[string]*MonthCounts{}
	get := func(b string) *MonthCounts {
		c, ok := out[b]
		if !ok {
			c = &MonthCounts{Branch: b, Sessions: map[string]int64{}}
			out[b] = c
		}
		return c
	}
	branches, err := s.Branches(ctx)
	if err != nil {
		return nil, err
	}
	for _, b := range branches {
		get(b.ID)
	}
	dayFrom, dayTo := from.Format(time.DateOnly), to.Format(time.DateOnly)
	type query struct {
		q    string
		args []any
		add  func(c *MonthCounts, key string, n int64)
	}
	queries := []query{
		{`SELECT branch, '', COUNT(*) FROM terminals WHERE kind = 'pc' AND enrolled_at < ?
			AND (revoked_at IS NULL OR revoked_at >= ?) GROUP BY branch`, []any{ms(to), ms(from)},
			func(c *MonthCounts, _ string, n int64) { c.Terminals += n }},
		{`SELECT branch, kind, COUNT(*) FROM visitor_sessions WHERE day >= ? AND day < ? GROUP BY branch, kind`,
			[]any{dayFrom, dayTo}, func(c *MonthCounts, k string, n int64) { c.Sessions[k] += n }},
		{`SELECT branch, key, SUM(n) FROM daily_stats WHERE metric = ? AND day >= ? AND day < ? GROUP BY branch, key`,
			[]any{StatSessions, dayFrom, dayTo}, func(c *MonthCounts, k string, n int64) { c.Sessions[k] += n }},
		{`SELECT branch, '', COUNT(*) FROM reservations WHERE starts_at >= ? AND starts_at < ? GROUP BY branch`,
			[]any{ms(from), ms(to)}, func(c *MonthCounts, _ string, n int64) { c.Reservations += n }},
		{`SELECT branch, '', SUM(n) FROM daily_stats WHERE metric = ? AND day >= ? AND day < ? GROUP BY branch`,
			[]any{StatReservations, dayFrom, dayTo}, func(c *MonthCounts, _ string, n int64) { c.Reservations += n }},
		{`SELECT branch, '', COUNT(*) FROM agent_updates WHERE at >= ? AND at < ? GROUP BY branch`,
			[]any{ms(from), ms(to)}, func(c *MonthCounts, _ string, n int64) { c.SoftwareUpdates += n }},
	}
	for _, q := range queries {
		if err := s.eachCount(ctx, q.q, q.args, func(b, k string, n int64) { q.add(get(b), k, n) }); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (s *Store) eachCount(ctx context.Context, q string, args []any, fn func(branch, key string, n int64)) error {
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var b, k string
		var n int64
		if err := rows.Scan(&b, &k, &n); err != nil {
			return err
		}
		fn(b, k, n)
	}
	return rows.Err()
}
