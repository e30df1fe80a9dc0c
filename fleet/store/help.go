package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// HelpRequest is a visitor's request for digital support as stored. It
// holds no visitor identity: the terminal, and while it runs the session
// id, are all that tie it to a person.
type HelpRequest struct {
	ID             string
	Branch         string
	TerminalID     string // "" for a walk-in logged at the desk
	TerminalName   string // joined from terminals
	SessionID      string // "" when asked from the welcome screen or at the desk
	Source         string // protocol.HelpFromSession, HelpFromWelcome, HelpFromWalkIn
	Topic          string
	Language       string
	Note           string
	Status         string
	CreatedBy      string // the staff member who logged a walk-in
	CreatedAt      time.Time
	ExpiresAt      time.Time // zero: no expiry of its own
	ClaimedAt      time.Time
	FirstClaimedAt time.Time // when it was first claimed, kept over releases: its wait
	ClosedAt       time.Time
	VolunteerID    int64
	VolunteerName  string
	Outcome        string
	FinalTopic     string // the topic as the volunteer corrected it
}

// HelpMessage is one chat message of a request.
type HelpMessage struct {
	ID     int64
	Sender string
	Text   string
	At     time.Time
}

// DutySpan is a volunteer's time on duty at a branch; End is zero while
// it lasts.
type DutySpan struct {
	UserID int64
	Name   string
	Branch string
	Start  time.Time
	End    time.Time
}

const helpSelect = `SELECT h.id, h.branch, h.terminal_id, COALESCE(t.name, ''), h.session_id, h.source, h.topic,
	h.language, h.note, h.status, h.created_by, h.created_at, h.expires_at, h.claimed_at, h.first_claimed_at,
	h.closed_at, h.volunteer_id, h.volunteer_name, h.outcome, h.final_topic
	FROM help_requests h LEFT JOIN terminals t ON t.id = h.terminal_id`

func scanHelp(sc interface{ Scan(...any) error }) (HelpRequest, error) {
	var r HelpRequest
	var created, expires, claimed, first, closed int64
	err := sc.Scan(&r.ID, &r.Branch, &r.TerminalID, &r.TerminalName, &r.SessionID, &r.Source, &r.Topic,
		&r.Language, &r.Note, &r.Status, &r.CreatedBy, &created, &expires, &claimed, &first, &closed,
		&r.VolunteerID, &r.VolunteerName, &r.Outcome, &r.FinalTopic)
	r.CreatedAt, r.ExpiresAt, r.ClaimedAt = fromMS(created), fromMS(expires), fromMS(claimed)
	r.FirstClaimedAt, r.ClosedAt = fromMS(first), fromMS(closed)
	return r, err
}

func (s *Store) helpRequests(ctx context.Context, q string, args ...any) ([]HelpRequest, error) {
	return queryHelp(ctx, s.r, q, args...)
}

type querier interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

func queryHelp(ctx context.Context, db querier, q string, args ...any) ([]HelpRequest, error) {
	rows, err := db.QueryContext(ctx, helpSelect+` WHERE `+q+` ORDER BY h.created_at, h.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: help requests: %w", err)
	}
	defer rows.Close()
	var out []HelpRequest
	for rows.Next() {
		r, err := scanHelp(rows)
		if err != nil {
			return nil, fmt.Errorf("store: help requests: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// AddHelpRequest stores a new request, unless its terminal already has a
// live one: then that one is returned with added false.
func (s *Store) AddHelpRequest(ctx context.Context, r HelpRequest) (HelpRequest, bool, error) {
	var existing HelpRequest
	added := false
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if r.TerminalID != "" {
			live, err := queryHelp(ctx, tx, `h.terminal_id = ? AND h.status IN ('open', 'claimed')`, r.TerminalID)
			if err != nil {
				return err
			}
			if len(live) > 0 {
				existing = live[0]
				return nil
			}
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO help_requests (id, branch, terminal_id, session_id, source, topic,
			language, note, status, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			r.ID, r.Branch, r.TerminalID, r.SessionID, r.Source, r.Topic, r.Language, r.Note, r.Status,
			r.CreatedBy, ms(r.CreatedAt), ms(r.ExpiresAt))
		added = err == nil
		return err
	})
	if err != nil {
		return HelpRequest{}, false, fmt.Errorf("store: add help request: %w", err)
	}
	if !added {
		return existing, false, nil
	}
	got, err := s.HelpRequest(ctx, r.ID)
	return got, true, err
}

// HelpRequest returns one request.
func (s *Store) HelpRequest(ctx context.Context, id string) (HelpRequest, error) {
	rs, err := s.helpRequests(ctx, `h.id = ?`, id)
	if err != nil {
		return HelpRequest{}, err
	}
	if len(rs) == 0 {
		return HelpRequest{}, ErrNotFound
	}
	return rs[0], nil
}

// LiveHelpRequests returns the open and claimed requests of the given
// branches (all branches when branches is nil), oldest first.
func (s *Store) LiveHelpRequests(ctx context.Context, branches []string) ([]HelpRequest, error) {
	q := `h.status IN ('open', 'claimed')`
	var args []any
	if branches != nil {
		if len(branches) == 0 {
			return nil, nil
		}
		q += ` AND h.branch IN (?` + strings.Repeat(", ?", len(branches)-1) + `)`
		for _, b := range branches {
			args = append(args, b)
		}
	}
	return s.helpRequests(ctx, q, args...)
}

// HelpRequestsSince returns every request created in [from, to).
func (s *Store) HelpRequestsSince(ctx context.Context, from, to time.Time) ([]HelpRequest, error) {
	return s.helpRequests(ctx, `h.created_at >= ? AND h.created_at < ?`, ms(from), ms(to))
}

// TerminalHelpRequest returns a terminal's live request, or its latest
// one closed since since; ErrNotFound when there is neither.
func (s *Store) TerminalHelpRequest(ctx context.Context, terminalID string, since time.Time) (HelpRequest, error) {
	rs, err := s.helpRequests(ctx, `h.terminal_id = ? AND (h.status IN ('open', 'claimed') OR h.closed_at >= ?)`,
		terminalID, ms(since))
	if err != nil {
		return HelpRequest{}, err
	}
	if len(rs) == 0 {
		return HelpRequest{}, ErrNotFound
	}
	for _, r := range rs {
		if r.Status == "open" || r.Status == "claimed" {
			return r, nil
		}
	}
	return rs[len(rs)-1], nil
}

// ErrStale is returned when a request is no longer in the state an
// update expected: someone else claimed it first, or it was closed.
var ErrStale = errors.New("help request changed meanwhile")

// ClaimHelpRequest gives an open request to a volunteer. Of two claims
// at once exactly one wins; the other gets ErrStale.
func (s *Store) ClaimHelpRequest(ctx context.Context, id string, userID int64, name string, now time.Time) error {
	return s.updateHelp(ctx, `UPDATE help_requests SET status = 'claimed', volunteer_id = ?, volunteer_name = ?,
		claimed_at = ?, first_claimed_at = CASE first_claimed_at WHEN 0 THEN ? ELSE first_claimed_at END
		WHERE id = ? AND status = 'open'`, userID, name, ms(now), ms(now), id)
}

// ReleaseHelpRequest puts a request claimed by userID back in the queue.
func (s *Store) ReleaseHelpRequest(ctx context.Context, id string, userID int64) error {
	return s.updateHelp(ctx, `UPDATE help_requests SET status = 'open', volunteer_id = 0, volunteer_name = '',
		claimed_at = 0 WHERE id = ? AND status = 'claimed' AND volunteer_id = ?`, id, userID)
}

// ResolveHelpRequest closes a request claimed by userID with an outcome.
func (s *Store) ResolveHelpRequest(ctx context.Context, id string, userID int64, outcome, topic string, now time.Time) error {
	return s.updateHelp(ctx, `UPDATE help_requests SET status = 'resolved', outcome = ?, final_topic = ?, closed_at = ?
		WHERE id = ? AND status = 'claimed' AND volunteer_id = ?`, outcome, topic, ms(now), id, userID)
}

// CloseHelpRequest ends a live request as cancelled or expired.
func (s *Store) CloseHelpRequest(ctx context.Context, id, status string, now time.Time) error {
	return s.updateHelp(ctx, `UPDATE help_requests SET status = ?, closed_at = ?
		WHERE id = ? AND status IN ('open', 'claimed')`, status, ms(now), id)
}

func (s *Store) updateHelp(ctx context.Context, q string, args ...any) error {
	var n int64
	err := s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, q, args...)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return fmt.Errorf("store: update help request: %w", err)
	}
	if n == 0 {
		return ErrStale
	}
	return nil
}

// EndHelpOf closes as status every live request of a terminal that
// matches: those of a session (sessionID set), or those asked from the
// welcome screen (sessionID ""). It returns the requests it closed.
func (s *Store) EndHelpOf(ctx context.Context, terminalID, sessionID, status string, now time.Time) ([]HelpRequest, error) {
	return s.closeWhere(ctx, status, now, `h.terminal_id = ? AND h.session_id = ? AND h.status IN ('open', 'claimed')`,
		terminalID, sessionID)
}

// ExpireHelpRequests closes as expired the live requests whose expiry
// passed, returning them.
func (s *Store) ExpireHelpRequests(ctx context.Context, now time.Time) ([]HelpRequest, error) {
	return s.closeWhere(ctx, "expired", now, `h.expires_at > 0 AND h.expires_at <= ? AND h.status IN ('open', 'claimed')`, ms(now))
}

func (s *Store) closeWhere(ctx context.Context, status string, now time.Time, q string, args ...any) ([]HelpRequest, error) {
	var closed []HelpRequest
	err := s.tx(ctx, func(tx *sql.Tx) error {
		rs, err := queryHelp(ctx, tx, q, args...)
		if err != nil {
			return err
		}
		for _, r := range rs {
			if _, err := tx.ExecContext(ctx, `UPDATE help_requests SET status = ?, closed_at = ? WHERE id = ?`,
				status, ms(now), r.ID); err != nil {
				return err
			}
			r.Status, r.ClosedAt = status, now
			closed = append(closed, r)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: close help requests: %w", err)
	}
	return closed, nil
}

// AddHelpMessage appends a chat message to a live request.
func (s *Store) AddHelpMessage(ctx context.Context, requestID, sender, text string, at time.Time) error {
	var n int64
	err := s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO help_messages (request_id, sender, text, at)
			SELECT id, ?, ?, ? FROM help_requests WHERE id = ? AND status IN ('open', 'claimed')`,
			sender, text, ms(at), requestID)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return fmt.Errorf("store: add help message: %w", err)
	}
	if n == 0 {
		return ErrStale
	}
	return nil
}

// HelpMessages returns a request's chat, oldest first.
func (s *Store) HelpMessages(ctx context.Context, requestID string) ([]HelpMessage, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, sender, text, at FROM help_messages WHERE request_id = ? ORDER BY id`, requestID)
	if err != nil {
		return nil, fmt.Errorf("store: help messages: %w", err)
	}
	defer rows.Close()
	var out []HelpMessage
	for rows.Next() {
		var m HelpMessage
		var at int64
		if err := rows.Scan(&m.ID, &m.Sender, &m.Text, &at); err != nil {
			return nil, fmt.Errorf("store: help messages: %w", err)
		}
		m.At = fromMS(at)
		out = append(out, m)
	}
	return out, rows.Err()
}

// SetDuty starts (on) or ends a volunteer's duty in the given branches.
// Starting again while on duty keeps the running spans.
func (s *Store) SetDuty(ctx context.Context, userID int64, name string, branches []string, on bool, now time.Time) error {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if !on {
			_, err := tx.ExecContext(ctx, `UPDATE help_duty SET ended_at = ? WHERE user_id = ? AND ended_at = 0`, ms(now), userID)
			return err
		}
		for _, b := range branches {
			var open int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM help_duty WHERE user_id = ? AND branch = ? AND ended_at = 0`,
				userID, b).Scan(&open); err != nil {
				return err
			}
			if open > 0 {
				continue
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO help_duty (user_id, name, branch, started_at) VALUES (?, ?, ?, ?)`,
				userID, name, b, ms(now)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: set duty: %w", err)
	}
	return nil
}

// EndStaleDuty ends the duty spans started before before, so a volunteer
// who forgot to go off duty is not counted on duty for ever; each ends
// at its start plus maxSpan.
func (s *Store) EndStaleDuty(ctx context.Context, before time.Time, maxSpan time.Duration) (int64, error) {
	var n int64
	err := s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE help_duty SET ended_at = started_at + ? WHERE ended_at = 0 AND started_at < ?`,
			maxSpan.Milliseconds(), ms(before))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("store: end stale duty: %w", err)
	}
	return n, nil
}

// DutySpans returns the duty spans that overlap [from, to), running ones
// included; branch "" means every branch.
func (s *Store) DutySpans(ctx context.Context, branch string, from, to time.Time) ([]DutySpan, error) {
	q := `SELECT user_id, name, branch, started_at, ended_at FROM help_duty
		WHERE started_at < ? AND (ended_at = 0 OR ended_at > ?)`
	args := []any{ms(to), ms(from)}
	if branch != "" {
		q += ` AND branch = ?`
		args = append(args, branch)
	}
	rows, err := s.r.QueryContext(ctx, q+` ORDER BY started_at, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: duty spans: %w", err)
	}
	defer rows.Close()
	var out []DutySpan
	for rows.Next() {
		var d DutySpan
		var start, end int64
		if err := rows.Scan(&d.UserID, &d.Name, &d.Branch, &start, &end); err != nil {
			return nil, fmt.Errorf("store: duty spans: %w", err)
		}
		d.Start, d.End = fromMS(start), fromMS(end)
		out = append(out, d)
	}
	return out, rows.Err()
}

// OnDuty returns the running duty spans of a branch ("" for all).
func (s *Store) OnDuty(ctx context.Context, branch string) ([]DutySpan, error) {
	q := `SELECT user_id, name, branch, started_at, ended_at FROM help_duty WHERE ended_at = 0`
	var args []any
	if branch != "" {
		q += ` AND branch = ?`
		args = append(args, branch)
	}
	rows, err := s.r.QueryContext(ctx, q+` ORDER BY started_at, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: on duty: %w", err)
	}
	defer rows.Close()
	var out []DutySpan
	for rows.Next() {
		var d DutySpan
		var start, end int64
		if err := rows.Scan(&d.UserID, &d.Name, &d.Branch, &start, &end); err != nil {
			return nil, fmt.Errorf("store: on duty: %w", err)
		}
		d.Start = fromMS(start)
		out = append(out, d)
	}
	return out, rows.Err()
}

// HelpWaits returns the waits (first claim minus creation) of a branch's
// requests claimed since since, most recent first, at most limit.
func (s *Store) HelpWaits(ctx context.Context, branch string, since time.Time, limit int) ([]time.Duration, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT first_claimed_at - created_at FROM help_requests
		WHERE branch = ? AND first_claimed_at >= ? ORDER BY first_claimed_at DESC LIMIT ?`, branch, ms(since), limit)
	if err != nil {
		return nil, fmt.Errorf("store: help waits: %w", err)
	}
	defer rows.Close()
	var out []time.Duration
	for rows.Next() {
		var d int64
		if err := rows.Scan(&d); err != nil {
			return nil, fmt.Errorf("store: help waits: %w", err)
		}
		out = append(out, time.Duration(d)*time.Millisecond)
	}
	return out, rows.Err()
}

// EndHelpOfWelcome is for a session starting at a terminal: its open
// welcome-screen requests are cancelled, and a claimed one is tied to the
// session, to end with it. It returns the requests it changed.
func (s *Store) EndHelpOfWelcome(ctx context.Context, terminalID, sessionID string, now time.Time) ([]HelpRequest, error) {
	var changed []HelpRequest
	err := s.tx(ctx, func(tx *sql.Tx) error {
		rs, err := queryHelp(ctx, tx, `h.terminal_id = ? AND h.session_id = '' AND h.status IN ('open', 'claimed')`, terminalID)
		if err != nil {
			return err
		}
		for _, r := range rs {
			if r.Status == "claimed" {
				_, err = tx.ExecContext(ctx, `UPDATE help_requests SET session_id = ?, expires_at = 0 WHERE id = ?`, sessionID, r.ID)
				r.SessionID, r.ExpiresAt = sessionID, time.Time{}
			} else {
				_, err = tx.ExecContext(ctx, `UPDATE help_requests SET status = 'cancelled', closed_at = ? WHERE id = ?`, ms(now), r.ID)
				r.Status, r.ClosedAt = "cancelled", now
			}
			if err != nil {
				return err
			}
			changed = append(changed, r)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: end welcome-screen help requests: %w", err)
	}
	return changed, nil
}

// ForgetHelpText clears, from requests closed before before, what people
// wrote (the note, the chat) and what ties the request to a person: the
// session, the terminal, the volunteer and the desk member who logged it.
// What is left (branch, topic, language, times, outcome) is what the
// statistics count. It returns how many requests it cleared.
func (s *Store) ForgetHelpText(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM help_messages WHERE request_id IN
			(SELECT id FROM help_requests WHERE closed_at > 0 AND closed_at < ?)`, ms(before)); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE help_requests SET note = '', session_id = '', terminal_id = '',
			volunteer_id = 0, volunteer_name = '', created_by = ''
			WHERE closed_at > 0 AND closed_at < ? AND (note != '' OR session_id != '' OR terminal_id != ''
				OR volunteer_id != 0 OR volunteer_name != '' OR created_by != '')`, ms(before))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("store: forget help text: %w", err)
	}
	return n, nil
}
