package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"piste/fleet/protocol"
)

// AlertWipeFailed is the alert kind of a wipe that could not be verified.
const AlertWipeFailed = "wipe_failed"

// WipeReceipt is a stored wipe receipt of a terminal.
type WipeReceipt struct {
	TerminalID string `json:"terminal"`
	protocol.WipeReceipt
}

// Alert is something an admin must act on.
type Alert struct {
	ID         int64     `json:"id"`
	TerminalID string    `json:"terminal"`
	Kind       string    `json:"kind"`
	At         time.Time `json:"at"`
	Detail     string    `json:"detail"`
	ClosedAt   time.Time `json:"closed_at,omitzero"`
}

// applyWipe stores a wipe receipt. An unverified one opens an alert for
// its terminal (one at a time); a verified one closes it.
func applyWipe(ctx context.Context, tx *sql.Tx, terminalID string, ev protocol.Event) error {
	var r protocol.WipeReceipt
	if err := json.Unmarshal(ev.Data, &r); err != nil {
		// Failing the batch would make the agent resend it for ever; an
		// unreadable receipt proves nothing, so it is a failed wipe.
		return openAlert(ctx, tx, terminalID, AlertWipeFailed, ev.At, "unreadable wipe receipt: "+err.Error())
	}
	if r.EndedAt.IsZero() {
		r.EndedAt = ev.At
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO wipe_receipts (terminal_id, session_id, trigger, strategy,
		started_at, ended_at, duration_ns, files_removed, bytes_removed, processes_ended, verified, data)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		terminalID, r.SessionID, r.Trigger, r.Strategy, ms(r.StartedAt), ms(r.EndedAt), int64(r.Duration),
		r.FilesRemoved, r.BytesRemoved, r.ProcessesEnded, r.Verified, string(ev.Data))
	if err != nil {
		return err
	}
	if r.Verified {
		return closeAlerts(ctx, tx, terminalID, AlertWipeFailed, r.EndedAt)
	}
	return openAlert(ctx, tx, terminalID, AlertWipeFailed, r.EndedAt, wipeDetail(r))
}

// wipeDetail says in one line what went wrong.
func wipeDetail(r protocol.WipeReceipt) string {
	if len(r.Failures) == 0 {
		return "wipe not verified (trigger " + string(r.Trigger) + ")"
	}
	parts := make([]string, 0, 3)
	for i, f := range r.Failures {
		if i == 3 {
			parts = append(parts, fmt.Sprintf("and %d more", len(r.Failures)-3))
			break
		}
		s := f.Step + ": " + f.Error
		if f.Path != "" {
			s = fmt.Sprintf("%s: %q: %s", f.Step, f.Path, f.Error)
		}
		parts = append(parts, s)
	}
	return "wipe not verified: " + strings.Join(parts, "; ")
}

func openAlert(ctx context.Context, tx *sql.Tx, terminalID, kind string, at time.Time, detail string) error {
	var open int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM alerts WHERE terminal_id = ? AND kind = ? AND closed_at IS NULL`,
		terminalID, kind).Scan(&open); err != nil {
		return err
	}
	if open > 0 {
		_, err := tx.ExecContext(ctx, `UPDATE alerts SET detail = ? WHERE terminal_id = ? AND kind = ? AND closed_at IS NULL`,
			detail, terminalID, kind)
		return err
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO alerts (terminal_id, kind, at, detail) VALUES (?, ?, ?, ?)`,
		terminalID, kind, ms(at), detail)
	return err
}

func closeAlerts(ctx context.Context, tx *sql.Tx, terminalID, kind string, at time.Time) error {
	_, err := tx.ExecContext(ctx, `UPDATE alerts SET closed_at = ? WHERE terminal_id = ? AND kind = ? AND closed_at IS NULL`,
		ms(at), terminalID, kind)
	return err
}

// WipeReceipts lists a terminal's receipts, newest first.
func (s *Store) WipeReceipts(ctx context.Context, terminalID string, limit int) ([]WipeReceipt, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT terminal_id, data FROM wipe_receipts WHERE terminal_id = ?
		ORDER BY ended_at DESC, id DESC LIMIT ?`, terminalID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []WipeReceipt
	for rows.Next() {
		var r WipeReceipt
		var data string
		if err := rows.Scan(&r.TerminalID, &data); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(data), &r.WipeReceipt); err != nil {
			return nil, fmt.Errorf("stored wipe receipt of %s: %w", terminalID, err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// LastWipe is the summary of a terminal's newest receipt.
type LastWipe struct {
	Verified bool          `json:"verified"`
	At       time.Time     `json:"at"`
	Strategy string        `json:"strategy"`
	Duration time.Duration `json:"duration_ns"`
}

// LastWipes returns each terminal's newest receipt summary, by terminal.
func (s *Store) LastWipes(ctx context.Context) (map[string]LastWipe, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT w.terminal_id, w.verified, w.ended_at, w.strategy, w.duration_ns
		FROM wipe_receipts w WHERE w.id = (SELECT id FROM wipe_receipts WHERE terminal_id = w.terminal_id
		ORDER BY ended_at DESC, id DESC LIMIT 1)`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]LastWipe{}
	for rows.Next() {
		var id string
		var l LastWipe
		var at, dur int64
		if err := rows.Scan(&id, &l.Verified, &at, &l.Strategy, &dur); err != nil {
			return nil, err
		}
		l.At, l.Duration = fromMS(at), time.Duration(dur)
		out[id] = l
	}
	return out, rows.Err()
}

// OpenAlerts lists the alerts not closed, newest first.
func (s *Store) OpenAlerts(ctx context.Context) ([]Alert, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, terminal_id, kind, at, detail FROM alerts
		WHERE closed_at IS NULL ORDER BY at DESC, id DESC`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Alert
	for rows.Next() {
		var a Alert
		var at int64
		if err := rows.Scan(&a.ID, &a.TerminalID, &a.Kind, &at, &a.Detail); err != nil {
			return nil, err
		}
		a.At = fromMS(at)
		out = append(out, a)
	}
	return out, rows.Err()
}

// CountOpenAlerts counts the alerts not closed.
func (s *Store) CountOpenAlerts(ctx context.Context) (int, error) {
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM alerts WHERE closed_at IS NULL`).Scan(&n)
	return n, err
}
