package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// User is a staff account.
type User struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Role      string    `json:"role"`
	Branch    string    `json:"branch,omitempty"` // empty: all branches
	PWHash    string    `json:"-"`
	CreatedAt time.Time `json:"created_at"`
}

// AddUser creates a staff account; an existing name gets its role, branch
// and password replaced, so the CLI can also reset a password.
func (s *Store) AddUser(ctx context.Context, u User) error {
	var branch any
	if u.Branch != "" {
		branch = u.Branch
	}
	_, err := s.w.ExecContext(ctx, `
		INSERT INTO users (name, role, branch, pw_hash, created_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT(name) DO UPDATE SET role = excluded.role, branch = excluded.branch, pw_hash = excluded.pw_hash`,
		u.Name, u.Role, branch, u.PWHash, ms(time.Now()))
	return err
}

// UserByName looks up a staff account by name.
func (s *Store) UserByName(ctx context.Context, name string) (User, error) {
	return s.scanUser(s.r.QueryRowContext(ctx, userSelect+` WHERE name = ?`, name), "user "+name)
}

const userSelect = `SELECT id, name, role, COALESCE(branch, ''), pw_hash, created_at FROM users`

func (s *Store) scanUser(row *sql.Row, what string) (User, error) {
	var u User
	var created int64
	if err := row.Scan(&u.ID, &u.Name, &u.Role, &u.Branch, &u.PWHash, &created); err != nil {
		return u, notFound(err, what)
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
		SELECT u.id, u.name, u.role, COALESCE(u.branch, ''), u.pw_hash, u.created_at
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
