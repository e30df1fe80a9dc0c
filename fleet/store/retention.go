package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Metrics of the anonymous daily statistics.
const (
	StatSessions            = "sessions"             // key: session kind
	StatMinutes             = "minutes"              // key: session kind
	StatRefusals            = "refusals"             // key: refusal code
	StatReservations        = "reservations"         // key: reservation source
	StatReservationsClaimed = "reservations_claimed" // key: reservation source
)

// DailyStat is one anonymous count of a branch's day: no card hash, no
// card digits, nothing that points back to a visitor.
type DailyStat struct {
	Branch string `json:"branch"`
	Day    string `json:"day"`
	Metric string `json:"metric"`
	Key    string `json:"key"`
	N      int64  `json:"n"`
}

// Cutoffs say, per kind of row, before when it goes. A zero time keeps
// that kind.
type Cutoffs struct {
	// Now is the time of the prune: a card locked after wrong PINs keeps
	// its row until the lock ends, whatever PINFailures says.
	Now time.Time
	// Sessions: visitor sessions that ended before it become statistics.
	Sessions time.Time
	// Reservations: reservations whose slot and hold ended before it
	// become statistics.
	Reservations time.Time
	// Visitors: PIN failure rows, spent or expired guest passes and
	// walk-up queue entries last touched before it.
	Visitors time.Time
	Events   time.Time
	// WipeReceipts: wipe receipts that ended, and alerts that were
	// closed, before it.
	WipeReceipts time.Time
	Audit        time.Time
}

// Pruned counts the rows a prune removed, by kind.
type Pruned struct {
	Sessions, Reservations, PINFailures, GuestPasses, Queue int64
	Events, WipeReceipts, Alerts, Audit                     int64
}

// pruneBatch bounds one write transaction, so a first prune of years of
// rows does not hold logins up.
const pruneBatch = 2000

// Prune rolls per-visitor rows past their cutoff up into the daily
// statistics and deletes them, and deletes events, wipe receipts and
// audit entries past theirs. A row is counted exactly once: its count and
// its deletion commit together.
func (s *Store) Prune(ctx context.Context, c Cutoffs) (Pruned, error) {
	var p Pruned
	steps := []struct {
		what string
		cut  time.Time
		n    *int64
		fn   func(context.Context, *sql.Tx, time.Time) (int64, error)
	}{
		{"visitor sessions", c.Sessions, &p.Sessions, pruneSessions},
		{"reservations", c.Reservations, &p.Reservations, pruneReservations},
		{"PIN failures", c.Visitors, &p.PINFailures, func(ctx context.Context, tx *sql.Tx, cut time.Time) (int64, error) {
			return deleteBatch(ctx, tx, "pin_failures", `locked_until <= ? AND updated_at < ?`, ms(c.Now), ms(cut))
		}},
		{"guest passes", c.Visitors, &p.GuestPasses, func(ctx context.Context, tx *sql.Tx, cut time.Time) (int64, error) {
			return deleteBatch(ctx, tx, "guest_passes", `used_at < ? OR valid_until < ?`, ms(cut), ms(cut))
		}},
		{"walk-up queue", c.Visitors, &p.Queue, func(ctx context.Context, tx *sql.Tx, cut time.Time) (int64, error) {
			return deleteBatch(ctx, tx, "walkup_queue", `created_at < ?`, ms(cut))
		}},
		{"events", c.Events, &p.Events, func(ctx context.Context, tx *sql.Tx, cut time.Time) (int64, error) {
			return deleteBatch(ctx, tx, "events", `received_at < ?`, ms(cut))
		}},
		{"wipe receipts", c.WipeReceipts, &p.WipeReceipts, func(ctx context.Context, tx *sql.Tx, cut time.Time) (int64, error) {
			return deleteBatch(ctx, tx, "wipe_receipts", `ended_at < ?`, ms(cut))
		}},
		{"closed alerts", c.WipeReceipts, &p.Alerts, func(ctx context.Context, tx *sql.Tx, cut time.Time) (int64, error) {
			// A closed wipe alert's detail comes from the receipt it was
			// raised for; it goes with the receipts.
			return deleteBatch(ctx, tx, "alerts", `closed_at < ?`, ms(cut))
		}},
		{"audit", c.Audit, &p.Audit, func(ctx context.Context, tx *sql.Tx, cut time.Time) (int64, error) {
			return deleteBatch(ctx, tx, "audit", `at < ?`, ms(cut))
		}},
	}
	for _, step := range steps {
		if step.cut.IsZero() {
			continue
		}
		for {
			var n int64
			err := s.tx(ctx, func(tx *sql.Tx) (err error) {
				n, err = step.fn(ctx, tx, step.cut)
				return err
			})
			if err != nil {
				return p, fmt.Errorf("store: prune %s: %w", step.what, err)
			}
			*step.n += n
			if n < pruneBatch {
				break
			}
		}
	}
	return p, nil
}

// deleteBatch deletes up to pruneBatch rows of a table that match cond.
func deleteBatch(ctx context.Context, tx *sql.Tx, table, cond string, args ...any) (int64, error) {
	res, err := tx.ExecContext(ctx, fmt.Sprintf(`DELETE FROM %s WHERE rowid IN
		(SELECT rowid FROM %s WHERE %s LIMIT %d)`, table, table, cond, pruneBatch), args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// pruneSessions counts a batch of ended sessions into the statistics of
// their quota day and deletes them, card hashes with them.
func pruneSessions(ctx context.Context, tx *sql.Tx, cut time.Time) (int64, error) {
	const batch = `rowid IN (SELECT rowid FROM visitor_sessions WHERE ends_at < ? ORDER BY rowid LIMIT ?)`
	for _, m := range []struct{ metric, value string }{
		{StatSessions, "COUNT(*)"},
		{StatMinutes, "SUM(COALESCE(used_min, reserved_min))"},
	} {
		_, err := tx.ExecContext(ctx, `INSERT INTO daily_stats (branch, day, metric, key, n)
			SELECT branch, day, ?, kind, `+m.value+` FROM visitor_sessions WHERE `+batch+` GROUP BY branch, day, kind
			ON CONFLICT (branch, day, metric, key) DO UPDATE SET n = n + excluded.n`,
			m.metric, ms(cut), pruneBatch)
		if err != nil {
			return 0, err
		}
	}
	res, err := tx.ExecContext(ctx, `DELETE FROM visitor_sessions WHERE `+batch, ms(cut), pruneBatch)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// pruneReservations counts a batch of reservations whose slot is over into
// the statistics of the branch's day of their start, and deletes them,
// card hashes and hints with them.
func pruneReservations(ctx context.Context, tx *sql.Tx, cut time.Time) (int64, error) {
	rows, err := tx.QueryContext(ctx, `SELECT r.rowid, r.branch, r.source, r.starts_at, r.claimed_at IS NOT NULL,
		COALESCE(b.tz, 'UTC') FROM reservations r LEFT JOIN branches b ON b.id = r.branch
		WHERE MAX(r.until, r.hold_until) < ? ORDER BY r.rowid LIMIT ?`, ms(cut), pruneBatch)
	if err != nil {
		return 0, err
	}
	type key struct{ branch, day, metric, source string }
	counts := map[key]int64{}
	var ids []int64
	zones := map[string]*time.Location{}
	for rows.Next() {
		var id, starts int64
		var branch, source, tz string
		var claimed bool
		if err := rows.Scan(&id, &branch, &source, &starts, &claimed, &tz); err != nil {
			rows.Close()
			return 0, err
		}
		loc, ok := zones[tz]
		if !ok {
			if loc, err = time.LoadLocation(tz); err != nil {
				loc = time.UTC
			}
			zones[tz] = loc
		}
		day := fromMS(starts).In(loc).Format(time.DateOnly)
		counts[key{branch, day, StatReservations, source}]++
		if claimed {
			counts[key{branch, day, StatReservationsClaimed, source}]++
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	for k, n := range counts {
		if err := addStat(ctx, tx, k.branch, k.day, k.metric, k.source, n); err != nil {
			return 0, err
		}
	}
	for _, id := range ids {
		if _, err := tx.ExecContext(ctx, `DELETE FROM reservations WHERE rowid = ?`, id); err != nil {
			return 0, err
		}
	}
	// Only slots long past are pruned, so no terminal needs telling.
	return int64(len(ids)), nil
}

func addStat(ctx context.Context, tx *sql.Tx, branch, day, metric, key string, n int64) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO daily_stats (branch, day, metric, key, n) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (branch, day, metric, key) DO UPDATE SET n = n + excluded.n`, branch, day, metric, key, n)
	return err
}

// CountRefusal adds one refusal of a code to a branch's day. Refusals keep
// no row of their own: the count is all that is stored.
func (s *Store) CountRefusal(ctx context.Context, branch, day, code string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		return addStat(ctx, tx, branch, day, StatRefusals, code, 1)
	})
}

// DailyStats lists the statistics of one branch (or all, branch empty)
// for the days from to to, inclusive (YYYY-MM-DD).
func (s *Store) DailyStats(ctx context.Context, branch, from, to string) ([]DailyStat, error) {
	q, args := `SELECT branch, day, metric, key, n FROM daily_stats WHERE day >= ? AND day <= ?`, []any{from, to}
	if branch != "" {
		q, args = q+` AND branch = ?`, append(args, branch)
	}
	rows, err := s.r.QueryContext(ctx, q+` ORDER BY branch, day, metric, key`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []DailyStat
	for rows.Next() {
		var d DailyStat
		if err := rows.Scan(&d.Branch, &d.Day, &d.Metric, &d.Key, &d.N); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}
