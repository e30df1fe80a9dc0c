package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// OpenAlert is an open alert with its terminal's branch and who
// acknowledged it.
type OpenAlert struct {
	Alert
	Branch  string
	AckedBy string
	AckedAt time.Time
}

// AlertKey names one alert that may be open: one per terminal and kind.
type AlertKey struct{ Terminal, Kind string }

// SyncAlerts makes the open alerts of the given kinds what want says, in
// one transaction: an alert in want and not open is opened with its
// detail, an open one not in want is closed at at (its cause went away),
// one in both keeps its time and acknowledgement and takes the new detail.
// It returns the alerts it opened and closed.
func (s *Store) SyncAlerts(ctx context.Context, kinds []string, want map[AlertKey]string, at time.Time) (opened, closed []Alert, err error) {
	err = s.tx(ctx, func(tx *sql.Tx) error {
		opened, closed = nil, nil
		open := map[AlertKey]Alert{}
		q := `SELECT id, terminal_id, kind, at, detail FROM alerts WHERE closed_at IS NULL AND kind IN (` + marks(len(kinds)) + `)`
		rows, err := tx.QueryContext(ctx, q, anys(kinds)...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var a Alert
			var t int64
			if err := rows.Scan(&a.ID, &a.TerminalID, &a.Kind, &t, &a.Detail); err != nil {
				rows.Close()
				return err
			}
			a.At = fromMS(t)
			open[AlertKey{a.TerminalID, a.Kind}] = a
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for k, a := range open {
			detail, keep := want[k]
			switch {
			case !keep:
				if _, err := tx.ExecContext(ctx, `UPDATE alerts SET closed_at = ? WHERE id = ?`, ms(at), a.ID); err != nil {
					return err
				}
				a.ClosedAt = at
				closed = append(closed, a)
			case detail != a.Detail:
				if _, err := tx.ExecContext(ctx, `UPDATE alerts SET detail = ? WHERE id = ?`, detail, a.ID); err != nil {
					return err
				}
			}
		}
		for k, detail := range want {
			if _, ok := open[k]; ok {
				continue
			}
			var id int64
			err := tx.QueryRowContext(ctx, `INSERT INTO alerts (terminal_id, kind, at, detail) VALUES (?, ?, ?, ?) RETURNING id`,
				k.Terminal, k.Kind, ms(at), detail).Scan(&id)
			if err != nil {
				return fmt.Errorf("open %s alert of %s: %w", k.Kind, k.Terminal, err)
			}
			opened = append(opened, Alert{ID: id, TerminalID: k.Terminal, Kind: k.Kind, At: at, Detail: detail})
		}
		return nil
	})
	return opened, closed, err
}

const openAlertSelect = `SELECT a.id, a.terminal_id, t.branch, a.kind, a.at, a.detail, a.acked_by, a.acked_at
	FROM alerts a JOIN terminals t ON t.id = a.terminal_id`

func scanOpenAlert(sc interface{ Scan(...any) error }) (OpenAlert, error) {
	var a OpenAlert
	var at int64
	var acked sql.NullInt64
	err := sc.Scan(&a.ID, &a.TerminalID, &a.Branch, &a.Kind, &at, &a.Detail, &a.AckedBy, &acked)
	a.At, a.AckedAt = fromMS(at), nullMS(acked)
	return a, err
}

// OpenAlertsIn lists the open alerts of terminals in the given branches
// (nil: all), newest first.
func (s *Store) OpenAlertsIn(ctx context.Context, branches []string) ([]OpenAlert, error) {
	q, args := openAlertSelect+` WHERE a.closed_at IS NULL`, []any{}
	if branches != nil {
		if len(branches) == 0 {
			return nil, nil
		}
		q += ` AND t.branch IN (` + marks(len(branches)) + `)`
		args = anys(branches)
	}
	rows, err := s.r.QueryContext(ctx, q+` ORDER BY a.at DESC, a.id DESC`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []OpenAlert
	for rows.Next() {
		a, err := scanOpenAlert(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// OpenAlertByID loads one open alert.
func (s *Store) OpenAlertByID(ctx context.Context, id int64) (OpenAlert, error) {
	a, err := scanOpenAlert(s.r.QueryRowContext(ctx, openAlertSelect+` WHERE a.id = ? AND a.closed_at IS NULL`, id))
	if err != nil {
		return a, notFound(err, fmt.Sprintf("alert %d", id))
	}
	return a, nil
}

// AckAlert records who acknowledged an open alert; acknowledging it again
// keeps the first acknowledgement.
func (s *Store) AckAlert(ctx context.Context, id int64, by string, at time.Time) error {
	res, err := s.w.ExecContext(ctx, `UPDATE alerts SET acked_by = ?, acked_at = ?
		WHERE id = ? AND closed_at IS NULL AND acked_at IS NULL`, by, ms(at), id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("unacknowledged open alert %d: %w", id, ErrNotFound)
	}
	return nil
}

// UnnotifiedAlerts lists open alerts nobody was told of yet, oldest first.
func (s *Store) UnnotifiedAlerts(ctx context.Context, limit int) ([]OpenAlert, error) {
	rows, err := s.r.QueryContext(ctx, openAlertSelect+` WHERE a.closed_at IS NULL AND a.notified_at IS NULL
		ORDER BY a.id LIMIT ?`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []OpenAlert
	for rows.Next() {
		a, err := scanOpenAlert(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// MarkNotified records that the alerts' contacts were told, or that there
// was nobody to tell.
func (s *Store) MarkNotified(ctx context.Context, ids []int64, at time.Time) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		for _, id := range ids {
			if _, err := tx.ExecContext(ctx, `UPDATE alerts SET notified_at = ? WHERE id = ?`, ms(at), id); err != nil {
				return err
			}
		}
		return nil
	})
}

// AlertsVersion is a cheap summary of the open alerts that moves whenever
// one opens, closes or is acknowledged, whoever did it.
func (s *Store) AlertsVersion(ctx context.Context) (string, error) {
	var n, maxID, acked, closed sql.NullInt64
	err := s.r.QueryRowContext(ctx, `SELECT COUNT(*), MAX(id), COUNT(acked_at) FROM alerts WHERE closed_at IS NULL`).Scan(&n, &maxID, &acked)
	if err != nil {
		return "", err
	}
	err = s.r.QueryRowContext(ctx, `SELECT MAX(closed_at) FROM alerts WHERE closed_at IS NOT NULL`).Scan(&closed)
	return fmt.Sprint(n.Int64, maxID.Int64, acked.Int64, closed.Int64), err
}

// CountOpenAlertsByKind counts the open alerts by kind.
func (s *Store) CountOpenAlertsByKind(ctx context.Context) (map[string]int, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT kind, COUNT(*) FROM alerts WHERE closed_at IS NULL GROUP BY kind`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var k string
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			return nil, err
		}
		out[k] = n
	}
	return out, rows.Err()
}

// RuleTerminals lists every unrevoked terminal with its list columns, for
// the alert rules.
func (s *Store) RuleTerminals(ctx context.Context) ([]Terminal, error) {
	rows, err := s.r.QueryContext(ctx, terminalListSelect+` WHERE revoked_at IS NULL`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Terminal
	for rows.Next() {
		t, err := scanListTerminal(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

func marks(n int) string { return strings.TrimSuffix(strings.Repeat("?,", n), ",") }

func anys(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
