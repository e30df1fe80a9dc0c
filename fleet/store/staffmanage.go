package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Users lists every staff account by name.
func (s *Store) Users(ctx context.Context) ([]User, error) {
	rows, err := s.r.QueryContext(ctx, userSelect+` ORDER BY u.name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		u, err := scanUserRow(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// CreateUser adds a new staff account; ErrConflict when the name is taken
// (unlike AddUser, which replaces it).
func (s *Store) CreateUser(ctx context.Context, u User, mustChange bool) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		var id int64
		err := tx.QueryRowContext(ctx, `INSERT INTO users (name, role, pw_hash, created_at, must_change_pw)
			VALUES (?, ?, ?, ?, ?) ON CONFLICT(name) DO NOTHING RETURNING id`,
			u.Name, u.Role, u.PWHash, ms(time.Now()), mustChange).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("user %s: %w", u.Name, ErrConflict)
		}
		if err != nil {
			return err
		}
		return setUserBranches(ctx, tx, id, u.Branches)
	})
}

// SetUserAccess replaces a staff account's role and branches; its logins
// end, so the new rights apply at once.
func (s *Store) SetUserAccess(ctx context.Context, name, role string, branches []string) error {
	return s.updateUser(ctx, name, func(tx *sql.Tx, id int64) error {
		if _, err := tx.ExecContext(ctx, `UPDATE users SET role = ? WHERE id = ?`, role, id); err != nil {
			return err
		}
		return setUserBranches(ctx, tx, id, branches)
	})
}

// SetUserDisabled disables (ending its logins) or enables an account.
func (s *Store) SetUserDisabled(ctx context.Context, name string, disabled bool, now time.Time) error {
	return s.updateUser(ctx, name, func(tx *sql.Tx, id int64) error {
		var at any
		if disabled {
			at = ms(now)
		}
		_, err := tx.ExecContext(ctx, `UPDATE users SET disabled_at = ? WHERE id = ?`, at, id)
		return err
	})
}

// SetUserPassword replaces an account's password hash and ends its logins;
// mustChange makes the next login choose a new one.
func (s *Store) SetUserPassword(ctx context.Context, name, hash string, mustChange bool) error {
	return s.updateUser(ctx, name, func(tx *sql.Tx, id int64) error {
		_, err := tx.ExecContext(ctx, `UPDATE users SET pw_hash = ?, must_change_pw = ? WHERE id = ?`, hash, mustChange, id)
		return err
	})
}

// ChangeOwnPassword sets the password of the account behind a login and
// clears the must-change mark, ending the account's other logins.
func (s *Store) ChangeOwnPassword(ctx context.Context, name, hash, keepTokenHash string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		var id int64
		if err := tx.QueryRowContext(ctx, `SELECT id FROM users WHERE name = ?`, name).Scan(&id); err != nil {
			return notFound(err, "user "+name)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET pw_hash = ?, must_change_pw = 0 WHERE id = ?`, hash, id); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM staff_sessions WHERE user_id = ? AND token_hash <> ?`, id, keepTokenHash)
		return err
	})
}

// updateUser runs fn on an account's id and ends the account's logins.
func (s *Store) updateUser(ctx context.Context, name string, fn func(tx *sql.Tx, id int64) error) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		var id int64
		if err := tx.QueryRowContext(ctx, `SELECT id FROM users WHERE name = ?`, name).Scan(&id); err != nil {
			return notFound(err, "user "+name)
		}
		if err := fn(tx, id); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM staff_sessions WHERE user_id = ?`, id)
		return err
	})
}

// AuditFilter narrows an audit search; empty fields match everything.
type AuditFilter struct {
	Actor  string
	Action string // an action, or a prefix ending in '*' ("command:*")
	Target string
	Since  time.Time
	Until  time.Time
	Limit  int
}

// AuditSearch returns matching entries, newest first.
func (s *Store) AuditSearch(ctx context.Context, f AuditFilter) ([]AuditEntry, error) {
	var where []string
	var args []any
	if f.Actor != "" {
		where, args = append(where, "actor = ?"), append(args, f.Actor)
	}
	if p, ok := strings.CutSuffix(f.Action, "*"); ok {
		where, args = append(where, "substr(action, 1, ?) = ?"), append(args, len(p), p)
	} else if f.Action != "" {
		where, args = append(where, "action = ?"), append(args, f.Action)
	}
	if f.Target != "" {
		where, args = append(where, "target = ?"), append(args, f.Target)
	}
	if !f.Since.IsZero() {
		where, args = append(where, "at >= ?"), append(args, ms(f.Since))
	}
	if !f.Until.IsZero() {
		where, args = append(where, "at < ?"), append(args, ms(f.Until))
	}
	q := `SELECT at, actor, action, target, detail FROM audit`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	rows, err := s.r.QueryContext(ctx, q+` ORDER BY id DESC LIMIT ?`, append(args, f.Limit)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var e AuditEntry
		var at int64
		if err := rows.Scan(&at, &e.Actor, &e.Action, &e.Target, &e.Detail); err != nil {
			return nil, err
		}
		e.At = fromMS(at)
		out = append(out, e)
	}
	return out, rows.Err()
}
