package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Sources of a reservation.
const (
	ReservationBooked = "booked" // made by staff or a visitor for a slot
	ReservationQueue  = "queue"  // a free PC held for the walk-up queue's next in line
)

// Reservation is a held slot of one terminal for one card. Only the holder
// may log in from StartsAt until HoldUntil; if they have not come by then,
// the terminal is free again. The card is kept as a keyed hash and a hint.
type Reservation struct {
	ID         string    `json:"id"`
	TerminalID string    `json:"terminal"`
	Branch     string    `json:"branch"`
	CardHash   string    `json:"-"`
	CardHint   string    `json:"card_hint"`
	StartsAt   time.Time `json:"from"`
	Until      time.Time `json:"until"`
	HoldUntil  time.Time `json:"hold_until"`
	Source     string    `json:"source"`
	CreatedBy  string    `json:"created_by"`
	CreatedAt  time.Time `json:"created_at"`
	ClaimedAt  time.Time `json:"claimed_at,omitzero"`
}

// AddReservation stores a reservation unless it overlaps a live one of the
// same terminal (ErrConflict).
func (s *Store) AddReservation(ctx context.Context, r Reservation, now time.Time) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		var clash string
		err := tx.QueryRowContext(ctx, `SELECT id FROM reservations WHERE terminal_id = ? AND claimed_at IS NULL
			AND hold_until > ? AND starts_at < ? AND until > ? LIMIT 1`,
			r.TerminalID, ms(now), ms(r.Until), ms(r.StartsAt)).Scan(&clash)
		if err == nil {
			return fmt.Errorf("reservation %s of terminal %s overlaps: %w", clash, r.TerminalID, ErrConflict)
		}
		if err != sql.ErrNoRows {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO reservations (id, terminal_id, branch, card_hash, card_hint,
			starts_at, until, hold_until, source, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			r.ID, r.TerminalID, r.Branch, r.CardHash, r.CardHint, ms(r.StartsAt), ms(r.Until), ms(r.HoldUntil),
			r.Source, r.CreatedBy, ms(r.CreatedAt))
		if err != nil {
			return err
		}
		return nil
	})
}

const reservationSelect = `SELECT id, terminal_id, branch, card_hash, card_hint, starts_at, until, hold_until,
	source, created_by, created_at, COALESCE(claimed_at, 0) FROM reservations`

func scanReservation(sc interface{ Scan(...any) error }) (Reservation, error) {
	var r Reservation
	var starts, until, hold, created, claimed int64
	err := sc.Scan(&r.ID, &r.TerminalID, &r.Branch, &r.CardHash, &r.CardHint, &starts, &until, &hold,
		&r.Source, &r.CreatedBy, &created, &claimed)
	r.StartsAt, r.Until, r.HoldUntil = fromMS(starts), fromMS(until), fromMS(hold)
	r.CreatedAt, r.ClaimedAt = fromMS(created), fromMS(claimed)
	return r, err
}

func (s *Store) reservations(ctx context.Context, q string, args ...any) ([]Reservation, error) {
	rows, err := s.r.QueryContext(ctx, reservationSelect+` WHERE `+q+` ORDER BY starts_at, id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Reservation
	for rows.Next() {
		r, err := scanReservation(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// LiveReservations lists the reservations not yet claimed nor lapsed at
// now, of one terminal, of one branch, or all (both empty), soonest first.
func (s *Store) LiveReservations(ctx context.Context, branch, terminalID string, now time.Time) ([]Reservation, error) {
	q, args := `claimed_at IS NULL AND hold_until > ?`, []any{ms(now)}
	if branch != "" {
		q, args = q+` AND branch = ?`, append(args, branch)
	}
	if terminalID != "" {
		q, args = q+` AND terminal_id = ?`, append(args, terminalID)
	}
	return s.reservations(ctx, q, args...)
}

// Reservation looks up one reservation.
func (s *Store) Reservation(ctx context.Context, id string) (Reservation, error) {
	r, err := scanReservation(s.r.QueryRowContext(ctx, reservationSelect+` WHERE id = ?`, id))
	if err != nil {
		return r, notFound(err, "reservation "+id)
	}
	return r, nil
}

// DeleteReservation cancels a reservation.
func (s *Store) DeleteReservation(ctx context.Context, id string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM reservations WHERE id = ?`, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("reservation %s: %w", id, ErrNotFound)
		}
		return nil
	})
}

// ClaimReservation marks a reservation used: its holder has logged in.
func (s *Store) ClaimReservation(ctx context.Context, id string, now time.Time) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE reservations SET claimed_at = ? WHERE id = ? AND claimed_at IS NULL`,
			ms(now), id); err != nil {
			return err
		}
		return nil
	})
}

// QueueEntry is one visitor waiting in a branch's walk-up queue.
type QueueEntry struct {
	ID        int64
	Branch    string
	CardHash  string
	CardHint  string
	CreatedAt time.Time
}

// Enqueue puts a card at the end of a branch's walk-up queue (or leaves it
// where it is) and returns its position, 1 for the first in line.
func (s *Store) Enqueue(ctx context.Context, e QueueEntry) (int, error) {
	var pos int
	err := s.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO walkup_queue (branch, card_hash, card_hint, created_at) VALUES (?, ?, ?, ?)
			ON CONFLICT(branch, card_hash) DO NOTHING`, e.Branch, e.CardHash, e.CardHint, ms(e.CreatedAt))
		if err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM walkup_queue WHERE branch = ?
			AND id <= (SELECT id FROM walkup_queue WHERE branch = ? AND card_hash = ?)`,
			e.Branch, e.Branch, e.CardHash).Scan(&pos)
	})
	return pos, err
}

// HoldForQueue gives a terminal that went idle to the first in its
// branch's queue: the entry leaves the queue and becomes a reservation
// built by hold. It does nothing (false) when the queue is empty or the
// terminal already has a live reservation.
func (s *Store) HoldForQueue(ctx context.Context, terminalID string, now time.Time, hold func(QueueEntry) Reservation) (Reservation, bool, error) {
	var r Reservation
	var held bool
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var branch string
		if err := tx.QueryRowContext(ctx, `SELECT branch FROM terminals WHERE id = ?`, terminalID).Scan(&branch); err != nil {
			return notFound(err, "terminal "+terminalID)
		}
		var live int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM reservations WHERE terminal_id = ? AND claimed_at IS NULL
			AND starts_at <= ? AND hold_until > ?`, terminalID, ms(now), ms(now)).Scan(&live); err != nil || live > 0 {
			return err
		}
		var e QueueEntry
		var created int64
		err := tx.QueryRowContext(ctx, `SELECT id, branch, card_hash, card_hint, created_at FROM walkup_queue
			WHERE branch = ? ORDER BY id LIMIT 1`, branch).Scan(&e.ID, &e.Branch, &e.CardHash, &e.CardHint, &created)
		if err == sql.ErrNoRows {
			return nil
		}
		if err != nil {
			return err
		}
		e.CreatedAt = fromMS(created)
		if _, err := tx.ExecContext(ctx, `DELETE FROM walkup_queue WHERE id = ?`, e.ID); err != nil {
			return err
		}
		r = hold(e)
		r.TerminalID, r.Branch, r.Source = terminalID, branch, ReservationQueue
		if _, err := tx.ExecContext(ctx, `INSERT INTO reservations (id, terminal_id, branch, card_hash, card_hint,
			starts_at, until, hold_until, source, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			r.ID, r.TerminalID, r.Branch, r.CardHash, r.CardHint, ms(r.StartsAt), ms(r.Until), ms(r.HoldUntil),
			r.Source, r.CreatedBy, ms(r.CreatedAt)); err != nil {
			return err
		}
		held = true
		return nil
	})
	return r, held, err
}
