package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"piste/fleet/protocol"
)

// AlertEventRejected is the alert kind of a terminal that sent an event
// whose data the fleet could not accept.
const AlertEventRejected = "event_rejected"

// MaxRejectedData is how much of a rejected event's data is kept: enough
// to see what was wrong, not a way to fill the disk.
const MaxRejectedData = 2048

// RejectedEvent is an event acknowledged but kept aside because its data
// broke the rules of its kind.
type RejectedEvent struct {
	TerminalID string    `json:"terminal"`
	Epoch      string    `json:"epoch"`
	Seq        uint64    `json:"seq"`
	Kind       string    `json:"kind"`
	Reason     string    `json:"reason"`
	At         time.Time `json:"at"`
	ReceivedAt time.Time `json:"received_at"`
	// Data is the start of the raw data, at most MaxRejectedData bytes;
	// DataBytes is its whole length.
	Data      string `json:"data"`
	DataBytes int    `json:"data_bytes"`
}

// keepAside records a rejected event and raises an alert on its terminal
// (one open at a time, naming the latest). An unreadable wipe receipt
// proves nothing, so it raises the wipe alert instead: the terminal is a
// privacy risk until an admin acts.
func keepAside(ctx context.Context, tx *sql.Tx, in Incoming, reason string) error {
	ev := in.Event
	data := string(ev.Data)
	if len(data) > MaxRejectedData {
		data = strings.ToValidUTF8(data[:MaxRejectedData], "")
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO rejected_events
		(terminal_id, epoch, seq, kind, reason, at, received_at, data, data_bytes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		in.TerminalID, ev.Epoch, ev.Seq, ev.Kind, reason, ms(ev.At), ms(in.ReceivedAt), data, len(ev.Data))
	if err != nil {
		return err
	}
	if ev.Kind == protocol.EventWipe {
		return openAlert(ctx, tx, in.TerminalID, AlertWipeFailed, ev.At, "unreadable wipe receipt: "+reason)
	}
	detail := fmt.Sprintf("%s event %s/%d not accepted: %s", ev.Kind, ev.Epoch, ev.Seq, reason)
	return openAlert(ctx, tx, in.TerminalID, AlertEventRejected, in.ReceivedAt, detail)
}

// RejectedEvents lists a terminal's rejected events, newest first.
func (s *Store) RejectedEvents(ctx context.Context, terminalID string, limit int) ([]RejectedEvent, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT terminal_id, epoch, seq, kind, reason, at, received_at, data, data_bytes
		FROM rejected_events WHERE terminal_id = ? ORDER BY received_at DESC, id DESC LIMIT ?`, terminalID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: list rejected events of %s: %w", terminalID, err)
	}
	defer rows.Close()
	var out []RejectedEvent
	for rows.Next() {
		var e RejectedEvent
		var at, received int64
		if err := rows.Scan(&e.TerminalID, &e.Epoch, &e.Seq, &e.Kind, &e.Reason, &at, &received, &e.Data, &e.DataBytes); err != nil {
			return nil, fmt.Errorf("store: list rejected events of %s: %w", terminalID, err)
		}
		e.At, e.ReceivedAt = fromMS(at), fromMS(received)
		out = append(out, e)
	}
	return out, rows.Err()
}

// RejectedRetention is how long rejected events are kept for admins to read.
const RejectedRetention = 30 * 24 * time.Hour

// PruneRejected drops rejected events received before a time, so that an
// agent sending bad data at every heartbeat cannot grow the table without end.
func (s *Store) PruneRejected(ctx context.Context, before time.Time) error {
	_, err := s.w.ExecContext(ctx, `DELETE FROM rejected_events WHERE received_at < ?`, ms(before))
	if err != nil {
		return fmt.Errorf("store: prune rejected events: %w", err)
	}
	return nil
}

// SettleRejected closes a terminal's open alert about rejected events, as
// an admin does once the cause is dealt with. It reports whether one was open.
func (s *Store) SettleRejected(ctx context.Context, terminalID string, at time.Time) (bool, error) {
	res, err := s.w.ExecContext(ctx, `UPDATE alerts SET closed_at = ? WHERE terminal_id = ? AND kind = ? AND closed_at IS NULL`,
		ms(at), terminalID, AlertEventRejected)
	if err != nil {
		return false, fmt.Errorf("store: settle rejected events of %s: %w", terminalID, err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}
