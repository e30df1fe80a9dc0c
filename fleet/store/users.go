package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// User is a staff account.
type User struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Role      string    `json:"role"`
	Branches  []string  `json:"branches,omitempty"` // none: every branch
	PWHash    string    `json:"-"`
	CreatedAt time.Time `json:"created_at"`
}

// AddUser creates a staff account; an existing name gets its role,
// branches and password replaced, so the CLI can also reset a password.
func (s *Store) AddUser(ctx context.Context, u User) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		var id int64
		err := tx.QueryRowContext(ctx, `
			INSERT INTO users (name, role, pw_hash, created_at) VALUES (?, ?, ?, ?)
			ON CONFLICT(name) DO UPDATE SET role = excluded.role, pw_hash = excluded.pw_hash
			RETURNING id`,
			u.Name, u.Role, u.PWHash, ms(time.Now())).Scan(&id)
		if err != nil {
			return err
		}
		return setUserBranches(ctx, tx, id, u.Branches)
	})
}

// setUserBranches replaces the branches of a staff account.
func setUserBranches(ctx context.Context, tx *sql.Tx, userID int64, branches []string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM user_branches WHERE user_id = ?`, userID); err != nil {
		return err
	}
	for _, b := range branches {
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO user_branches (user_id, branch) VALUES (?, ?)`, userID, b); err != nil {
			return err
		}
	}
	return nil
}

// UserByName looks up a staff account by name.
func (s *Store) UserByName(ctx context.Context, name string) (User, error) {
	return s.scanUser(s.r.QueryRowContext(ctx, userSelect+` WHERE u.name = ?`, name), "user "+name)
}

// userColumns read a user (aliased u) with its branches in one row,
// joined by the unit separator, which no branch id contains.
const userColumns = `u.id, u.name, u.role,
	COALESCE((SELECT group_concat(b.branch, char(31)) FROM (SELECT branch FROM user_branches WHERE user_id = u.id ORDER BY branch) b), ''),
	u.pw_hash, u.created_at`

const userSelect = `SELECT ` + userColumns + ` FROM users u`

func (s *Store) scanUser(row *sql.Row, what string) (User, error) {
	var u User
	var branches string
	var created int64
	if err := row.Scan(&u.ID, &u.Name, &u.Role, &branches, &u.PWHash, &created); err != nil {
		return u, notFound(err, what)
	}
	if branches != "" {
		u.Branches = strings.Split(branches, "\x1f")
	}
	u.CreatedAt = fromMS(created)
	return u, nil
}

// AddStaffSession stores the hash of a new login token.
func (s *Store) AddStaffSession(ctx context.Context, tokenHash string, userID int64, expires time.Time) error {
	_, err := s.w.ExecContext(ctx,
		`INSERT INTO staff_sessions (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)`,
		tokenHash, userID, ms(time.Now()), ms(expires))
	return err
}

// UserBySession finds the user behind an unexpired login token hash.
func (s *Store) UserBySession(ctx context.Context, tokenHash string, now time.Time) (User, error) {
	row := s.r.QueryRowContext(ctx, `
		SELECT `+userColumns+`
		FROM staff_sessions s JOIN users u ON u.id = s.user_id
		WHERE s.token_hash = ? AND s.expires_at > ?`, tokenHash, ms(now))
	return s.scanUser(row, "session")
}

// DeleteStaffSession ends a login (logout).
func (s *Store) DeleteStaffSession(ctx context.Context, tokenHash string) error {
	_, err := s.w.ExecContext(ctx, `DELETE FROM staff_sessions WHERE token_hash = ?`, tokenHash)
	return err
}

// PruneStaffSessions removes expired logins.
func (s *Store) PruneStaffSessions(ctx context.Context, now time.Time) error {
	_, err := s.w.ExecContext(ctx, `DELETE FROM staff_sessions WHERE expires_at <= ?`, ms(now))
	return err
}

func notFound(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	return err
}

// OneBranch is the branch list of an account limited to one branch, or none
// (every branch) for "".
func OneBranch(branch string) []string {
	if branch == "" {
		return nil
	}
	return []string{branch}
}
