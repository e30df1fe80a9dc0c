package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"piste/fleet/protocol"
)

// VisitorSession is one visitor's session as the fleet granted it. The card
// is kept only as a keyed hash, for the daily quota.
type VisitorSession struct {
	ID          string    `json:"id"`
	TerminalID  string    `json:"terminal"`
	Branch      string    `json:"branch"`
	Kind        string    `json:"kind"`
	CardHash    string    `json:"-"`
	Day         string    `json:"day"`
	GrantedAt   time.Time `json:"started"`
	EndsAt      time.Time `json:"ends"`
	ReservedMin int       `json:"-"`
	Extensions  int       `json:"extensions"`
	UsedMin     int       `json:"minutes_used,omitempty"`
	EndedAt     time.Time `json:"ended,omitzero"`
}

// Grant decides a session's length from the card's quota use so far that
// day; it returns the minutes to grant, or an error to refuse.
type Grant func(usedToday int) (minutes int, err error)

// GrantSession runs decide and stores the session it grants in one write
// transaction, so two terminals granting the same card at once cannot both
// spend the same quota. Grants arriving together share a transaction (and
// its sync to disk): logins come in bursts when a library opens.
func (s *Store) GrantSession(ctx context.Context, sess VisitorSession, decide Grant) (VisitorSession, error) {
	s.grantsOnce.Do(func() { go s.grantLoop() })
	job := grantJob{ctx: ctx, sess: sess, decide: decide, done: make(chan error, 1)}
	select {
	case s.grants <- &job:
	case <-ctx.Done():
		return sess, ctx.Err()
	case <-s.closed:
		return sess, errors.New("store: closed")
	}
	err := <-job.done
	return job.sess, err
}

type grantJob struct {
	ctx    context.Context
	sess   VisitorSession
	decide Grant
	done   chan error
}

// grantLoop commits the grants waiting at each turn in one transaction.
func (s *Store) grantLoop() {
	batch := make([]*grantJob, 0, 256)
	for {
		select {
		case <-s.closed:
			return
		case j := <-s.grants:
			batch = append(batch[:0], j)
		}
	fill:
		for len(batch) < cap(batch) {
			select {
			case j := <-s.grants:
				batch = append(batch, j)
			default:
				break fill
			}
		}
		s.commitGrants(batch)
	}
}

func (s *Store) commitGrants(batch []*grantJob) {
	refusals := make([]error, len(batch))
	err := s.tx(context.Background(), func(tx *sql.Tx) error {
		for i, j := range batch {
			refusals[i] = nil
			if j.ctx.Err() != nil {
				refusals[i] = j.ctx.Err()
				continue
			}
			refused, err := grantOne(j.ctx, tx, &j.sess, j.decide)
			if err != nil {
				return err
			}
			refusals[i] = refused
		}
		return nil
	})
	for i, j := range batch {
		if err != nil {
			j.done <- err
			continue
		}
		j.done <- refusals[i]
	}
}

// grantOne decides and stores one grant; refused is decide's error, err a
// database failure that dooms the whole transaction.
func grantOne(ctx context.Context, tx *sql.Tx, sess *VisitorSession, decide Grant) (refused, err error) {
	used := 0
	if sess.CardHash != "" {
		if used, err = quotaUsed(ctx, tx, sess.CardHash, sess.Day); err != nil {
			return nil, err
		}
	}
	minutes, refused := decide(used)
	if refused != nil {
		return refused, nil
	}
	sess.ReservedMin = minutes
	sess.EndsAt = sess.GrantedAt.Add(time.Duration(minutes) * time.Minute)
	_, err = tx.ExecContext(ctx, `INSERT INTO visitor_sessions
		(id, terminal_id, branch, kind, card_hash, day, granted_at, ends_at, reserved_min)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		sess.ID, sess.TerminalID, sess.Branch, sess.Kind, sess.CardHash, sess.Day,
		ms(sess.GrantedAt), ms(sess.EndsAt), minutes)
	return nil, err
}

// ExtendSession lengthens a running session. decide gets the session and
// the card's quota use that day and returns the minutes to add.
func (s *Store) ExtendSession(ctx context.Context, id string, decide func(VisitorSession, int) (int, error)) (int, error) {
	var added int
	err := s.tx(ctx, func(tx *sql.Tx) error {
		sess, err := scanSession(tx.QueryRowContext(ctx, sessionSelect+` WHERE id = ?`, id))
		if err != nil {
			return notFound(err, "session "+id)
		}
		used := 0
		if sess.CardHash != "" {
			if used, err = quotaUsed(ctx, tx, sess.CardHash, sess.Day); err != nil {
				return err
			}
		}
		if added, err = decide(sess, used); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE visitor_sessions SET extensions = extensions + 1,
			reserved_min = reserved_min + ?, ends_at = ends_at + ? WHERE id = ?`,
			added, int64(added)*60_000, id)
		return err
	})
	return added, err
}

// QuotaUsed is the minutes a card has used or holds on a day: the time
// granted to running sessions, and the time really used by ended ones.
func (s *Store) QuotaUsed(ctx context.Context, cardHash, day string) (int, error) {
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT COALESCE(SUM(COALESCE(used_min, reserved_min)), 0)
		FROM visitor_sessions WHERE card_hash = ? AND day = ?`, cardHash, day).Scan(&n)
	return n, err
}

func quotaUsed(ctx context.Context, tx *sql.Tx, cardHash, day string) (int, error) {
	var n int
	err := tx.QueryRowContext(ctx, `SELECT COALESCE(SUM(COALESCE(used_min, reserved_min)), 0)
		FROM visitor_sessions WHERE card_hash = ? AND day = ?`, cardHash, day).Scan(&n)
	return n, err
}

const sessionSelect = `SELECT id, terminal_id, branch, kind, card_hash, day, granted_at, ends_at,
	reserved_min, extensions, COALESCE(used_min, 0), COALESCE(ended_at, 0) FROM visitor_sessions`

func scanSession(sc interface{ Scan(...any) error }) (VisitorSession, error) {
	var v VisitorSession
	var granted, ends, ended int64
	err := sc.Scan(&v.ID, &v.TerminalID, &v.Branch, &v.Kind, &v.CardHash, &v.Day, &granted, &ends,
		&v.ReservedMin, &v.Extensions, &v.UsedMin, &ended)
	v.GrantedAt, v.EndsAt, v.EndedAt = fromMS(granted), fromMS(ends), fromMS(ended)
	return v, err
}

// VisitorSession looks up one session.
func (s *Store) VisitorSession(ctx context.Context, id string) (VisitorSession, error) {
	v, err := scanSession(s.r.QueryRowContext(ctx, sessionSelect+` WHERE id = ?`, id))
	if err != nil {
		return v, notFound(err, "session "+id)
	}
	return v, nil
}

// ActiveSessions lists sessions not ended and not past their end, of one
// branch or all (branch empty), soonest end first.
func (s *Store) ActiveSessions(ctx context.Context, branch string, now time.Time) ([]VisitorSession, error) {
	q, args := sessionSelect+` WHERE ended_at IS NULL AND ends_at > ?`, []any{ms(now)}
	if branch != "" {
		q, args = q+` AND branch = ?`, append(args, branch)
	}
	rows, err := s.r.QueryContext(ctx, q+` ORDER BY ends_at`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []VisitorSession
	for rows.Next() {
		v, err := scanSession(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// applySession records a session event: the end corrects the quota to the
// minutes really used. A session the fleet never granted (a walk-up session
// run offline) gets its own row. Replays change nothing.
func applySession(ctx context.Context, tx *sql.Tx, terminalID string, ev protocol.Event) error {
	var se protocol.SessionEvent
	if err := json.Unmarshal(ev.Data, &se); err != nil {
		return nil // kept as a raw event; failing the batch would make the agent resend it for ever
	}
	if se.SessionID == "" || len(se.SessionID) > 128 {
		return nil // nothing to key it on; the event itself is still stored
	}
	started := se.StartedAt
	if started.IsZero() {
		started = ev.At
	}
	var branch string
	if err := tx.QueryRowContext(ctx, `SELECT branch FROM terminals WHERE id = ?`, terminalID).Scan(&branch); err != nil {
		return err
	}
	kind := se.Kind
	if kind == "" {
		kind = protocol.SessionWalkup
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO visitor_sessions
		(id, terminal_id, branch, kind, day, granted_at, ends_at, reserved_min)
		VALUES (?, ?, ?, ?, ?, ?, ?, 0) ON CONFLICT(id) DO NOTHING`,
		se.SessionID, terminalID, branch, kind, started.UTC().Format(time.DateOnly), ms(started), ms(started))
	if err != nil || se.Phase != protocol.PhaseEnd {
		return err
	}
	ended := se.EndedAt
	if ended.IsZero() {
		ended = ev.At
	}
	used := max(se.MinutesUsed, 0)
	_, err = tx.ExecContext(ctx, `UPDATE visitor_sessions SET used_min = ?, ended_at = ?,
		ends_at = CASE WHEN ends_at < ? THEN ? ELSE ends_at END WHERE id = ? AND terminal_id = ?`,
		used, ms(ended), ms(ended), ms(ended), se.SessionID, terminalID)
	return err
}

// PINLock returns until when a card is locked (zero when it is not).
func (s *Store) PINLock(ctx context.Context, cardHash string, now time.Time) (time.Time, error) {
	var until int64
	err := s.r.QueryRowContext(ctx, `SELECT locked_until FROM pin_failures WHERE card_hash = ?`, cardHash).Scan(&until)
	if err == sql.ErrNoRows || until <= ms(now) {
		return time.Time{}, nil
	}
	return fromMS(until), err
}

// PINFailed counts a wrong PIN; at the attempts-th in a row the card is
// locked for lockout, and the lock's end is returned.
func (s *Store) PINFailed(ctx context.Context, cardHash string, attempts int, lockout time.Duration, now time.Time) (time.Time, error) {
	var until time.Time
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var failures int
		err := tx.QueryRowContext(ctx, `SELECT failures FROM pin_failures WHERE card_hash = ?`, cardHash).Scan(&failures)
		if err != nil && err != sql.ErrNoRows {
			return err
		}
		failures++
		var lockedUntil int64
		if failures >= attempts {
			until = now.Add(lockout)
			failures, lockedUntil = 0, ms(until)
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO pin_failures (card_hash, failures, locked_until, updated_at) VALUES (?, ?, ?, ?)
			ON CONFLICT(card_hash) DO UPDATE SET failures = excluded.failures,
			locked_until = MAX(locked_until, excluded.locked_until), updated_at = excluded.updated_at`,
			cardHash, failures, lockedUntil, ms(now))
		return err
	})
	return until, err
}

// PINSucceeded forgets a card's wrong PINs.
func (s *Store) PINSucceeded(ctx context.Context, cardHash string) error {
	// Most logins have no wrong PINs to forget: a read spares them a write.
	var n int
	if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM pin_failures WHERE card_hash = ?`, cardHash).Scan(&n); err != nil || n == 0 {
		return err
	}
	_, err := s.w.ExecContext(ctx, `DELETE FROM pin_failures WHERE card_hash = ?`, cardHash)
	return err
}
