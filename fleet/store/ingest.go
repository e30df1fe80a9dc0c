package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"piste/fleet/protocol"
)

// Incoming is one event as received from a terminal.
type Incoming struct {
	TerminalID string
	Event      protocol.Event
	ReceivedAt time.Time
}

// cursorKey names one agent outbox.
type cursorKey struct{ terminal, epoch string }

// Outcome is what became of one incoming event. An event neither stored
// nor rejected was a resend of one seen before.
type Outcome struct {
	// Stored: the event was new and its effects are stored.
	Stored bool
	// Rejected, when set, says why the new event's data was not accepted;
	// the event is kept aside instead.
	Rejected string
}

// Ingest stores a batch of events in one transaction, in order, skipping
// every event whose outbox cursor shows it was seen before. An event whose
// data breaks the rules of its kind is kept aside with the reason and an
// alert on its terminal, and the rest of the batch goes on: failing the
// batch would make every agent in it resend for ever. Because the cursor
// moves in the same transaction as the event's effects, a crash at any
// point leaves either both or neither, and a resend is always recognised.
func (s *Store) Ingest(ctx context.Context, batch []Incoming) ([]Outcome, error) {
	out := make([]Outcome, len(batch))
	err := s.tx(ctx, func(tx *sql.Tx) error {
		cursors := map[cursorKey]uint64{}
		for i, in := range batch {
			key := cursorKey{in.TerminalID, in.Event.Epoch}
			last, ok := cursors[key]
			if !ok {
				err := tx.QueryRowContext(ctx, `SELECT seq FROM outbox_cursors WHERE terminal_id = ? AND epoch = ?`,
					key.terminal, key.epoch).Scan(&last)
				if err != nil && err != sql.ErrNoRows {
					return err
				}
			}
			if in.Event.Seq <= last {
				cursors[key] = last
				continue
			}
			o, err := ingestOne(ctx, tx, in)
			if err != nil {
				return fmt.Errorf("event %s/%d (%s): %w", in.Event.Epoch, in.Event.Seq, in.Event.Kind, err)
			}
			cursors[key] = in.Event.Seq
			out[i] = o
		}
		for key, seq := range cursors {
			if _, err := tx.ExecContext(ctx, `INSERT INTO outbox_cursors (terminal_id, epoch, seq) VALUES (?, ?, ?)
				ON CONFLICT(terminal_id, epoch) DO UPDATE SET seq = MAX(seq, excluded.seq)`,
				key.terminal, key.epoch, seq); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: ingest: %w", err)
	}
	return out, nil
}

// ingestOne stores a new event's effects or, when its data breaks the
// rules of its kind, keeps it aside. Only a database error is returned.
func ingestOne(ctx context.Context, tx *sql.Tx, in Incoming) (Outcome, error) {
	err := applyEvent(ctx, tx, in)
	if errors.Is(err, protocol.ErrInvalidData) {
		reason := err.Error()
		return Outcome{Rejected: reason}, keepAside(ctx, tx, in, reason)
	}
	if err != nil {
		return Outcome{}, err
	}
	return Outcome{Stored: true}, nil
}

// OutboxCursor returns the highest stored sequence of an agent outbox.
func (s *Store) OutboxCursor(ctx context.Context, terminalID, epoch string) (uint64, error) {
	var seq uint64
	err := s.r.QueryRowContext(ctx, `SELECT seq FROM outbox_cursors WHERE terminal_id = ? AND epoch = ?`,
		terminalID, epoch).Scan(&seq)
	if err == sql.ErrNoRows {
		return 0, nil
	}
	return seq, err
}

// applyEvent stores one new event's effects. Each kind's data is decoded
// and checked (protocol.CheckData's rules) before anything is written, so
// an error wrapping protocol.ErrInvalidData leaves nothing behind. Health
// samples go to their own table only: at tens of thousands of terminals
// they dwarf everything else.
func applyEvent(ctx context.Context, tx *sql.Tx, in Incoming) error {
	ev := in.Event
	switch ev.Kind {
	case protocol.EventHealth:
		var h protocol.Health
		if err := protocol.DecodeData(ev, &h); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO health_samples (terminal_id, at, cpu, mem, disk) VALUES (?, ?, ?, ?, ?)`,
			in.TerminalID, ms(ev.At), h.CPUPercent, h.MemUsedPercent, h.DiskUsedPercent); err != nil {
			return err
		}
		// health_recv beside health_at tells the terminal's clock from the
		// fleet's (the clock_skew alert).
		_, err := tx.ExecContext(ctx, `UPDATE terminals SET health_at = ?, cpu = ?, mem = ?, disk = ?, uptime = ?, rss = ?,
			health_recv = ? WHERE id = ? AND health_at <= ?`,
			ms(ev.At), h.CPUPercent, h.MemUsedPercent, h.DiskUsedPercent, h.UptimeSeconds, h.AgentRSSBytes,
			ms(in.ReceivedAt), in.TerminalID, ms(ev.At))
		return err
	case protocol.EventState:
		var sc protocol.StateChange
		if err := protocol.DecodeData(ev, &sc); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE terminals SET state = ?, state_reason = ? WHERE id = ?`,
			sc.State, sc.Reason, in.TerminalID); err != nil {
			return err
		}
		// An admin fixed the terminal (or a retried wipe passed): it is
		// no longer out of service, so its wipe alert is settled.
		if sc.State != protocol.StateOutOfService {
			if err := closeAlerts(ctx, tx, in.TerminalID, AlertWipeFailed, ev.At); err != nil {
				return err
			}
		}
	case protocol.EventSession:
		if err := protocol.CheckData(ev); err != nil {
			return err
		}
		if err := applySession(ctx, tx, in.TerminalID, ev); err != nil {
			return err
		}
	case protocol.EventWipe:
		if err := protocol.CheckData(ev); err != nil {
			return err
		}
		if err := applyWipe(ctx, tx, in.TerminalID, ev); err != nil {
			return err
		}
	case protocol.EventPolicyResult:
		if err := applyPolicyResult(ctx, tx, in.TerminalID, ev); err != nil {
			return err
		}
	case protocol.EventPower:
		var span protocol.PowerSpan
		if err := protocol.DecodeData(ev, &span); err != nil {
			return err
		}
		if err := applyPower(ctx, tx, in.TerminalID, span); err != nil {
			return err
		}
	case protocol.EventCommandResult:
		var r protocol.CommandResult
		if err := protocol.DecodeData(ev, &r); err != nil {
			return err
		}
		status := CommandDone
		if r.Status == protocol.CommandFailed {
			status = CommandFailed
		}
		if _, err := tx.ExecContext(ctx, `UPDATE commands SET status = ?, finished_at = ?, error = ?,
			delivered_at = COALESCE(delivered_at, ?) WHERE id = ? AND terminal_id = ?`,
			status, ms(ev.At), r.Error, ms(ev.At), r.CommandID, in.TerminalID); err != nil {
			return err
		}
	}
	data := string(ev.Data)
	if data == "" {
		data = "null"
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO events (terminal_id, epoch, seq, kind, at, received_at, data)
		VALUES (?, ?, ?, ?, ?, ?, ?)`,
		in.TerminalID, ev.Epoch, ev.Seq, ev.Kind, ms(ev.At), ms(in.ReceivedAt), data)
	return err
}

// StoredEvent is one non-health event as stored.
type StoredEvent struct {
	TerminalID string          `json:"terminal_id"`
	Epoch      string          `json:"epoch"`
	Seq        uint64          `json:"seq"`
	Kind       string          `json:"kind"`
	At         time.Time       `json:"at"`
	Data       json.RawMessage `json:"data"`
}

// Events lists a terminal's events of one kind (all kinds when empty), newest first.
func (s *Store) Events(ctx context.Context, terminalID, kind string, limit int) ([]StoredEvent, error) {
	q := `SELECT terminal_id, epoch, seq, kind, at, data FROM events WHERE terminal_id = ?`
	args := []any{terminalID}
	if kind != "" {
		q += ` AND kind = ?`
		args = append(args, kind)
	}
	q += ` ORDER BY at DESC, id DESC LIMIT ?`
	args = append(args, limit)
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []StoredEvent
	for rows.Next() {
		var e StoredEvent
		var at int64
		var data string
		if err := rows.Scan(&e.TerminalID, &e.Epoch, &e.Seq, &e.Kind, &at, &data); err != nil {
			return nil, err
		}
		e.At, e.Data = fromMS(at), json.RawMessage(data)
		out = append(out, e)
	}
	return out, rows.Err()
}

// CountEvents counts stored events of one kind across the fleet.
func (s *Store) CountEvents(ctx context.Context, kind string) (int, error) {
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM events WHERE kind = ?`, kind).Scan(&n)
	return n, err
}
