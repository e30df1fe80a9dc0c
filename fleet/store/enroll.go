package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Enrollment errors a terminal's installer sees.
var (
	ErrCodeInvalid = errors.New("enrollment code is not valid")
	ErrCodeExpired = errors.New("enrollment code has expired")
	ErrCodeUsedUp  = errors.New("enrollment code has no uses left")
)

// AddEnrollCode stores the hash of a new enrollment code.
func (s *Store) AddEnrollCode(ctx context.Context, codeHash, branch string, uses int, expires time.Time) error {
	_, err := s.w.ExecContext(ctx,
		`INSERT INTO enroll_codes (code_hash, branch, uses_left, expires_at, created_at) VALUES (?, ?, ?, ?, ?)`,
		codeHash, branch, uses, ms(expires), ms(time.Now()))
	return err
}

// Enroll spends one use of an enrollment code and creates the terminal in
// the code's branch, in one transaction so that a code's last use cannot be
// spent twice.
func (s *Store) Enroll(ctx context.Context, codeHash string, t Terminal, now time.Time) (Terminal, error) {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var branch string
		var uses int
		var expires int64
		err := tx.QueryRowContext(ctx,
			`SELECT branch, uses_left, expires_at FROM enroll_codes WHERE code_hash = ?`, codeHash).
			Scan(&branch, &uses, &expires)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return ErrCodeInvalid
		case err != nil:
			return err
		case expires <= ms(now):
			return ErrCodeExpired
		case uses <= 0:
			return ErrCodeUsedUp
		}
		if _, err := tx.ExecContext(ctx,
			`UPDATE enroll_codes SET uses_left = uses_left - 1 WHERE code_hash = ?`, codeHash); err != nil {
			return err
		}
		t.Branch = branch
		t.EnrolledAt = now
		_, err = tx.ExecContext(ctx, `
			INSERT INTO terminals (id, name, branch, kind, token_hash, enrolled_at, hostname, os, agent_version, mac)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			t.ID, t.Name, t.Branch, t.Kind, t.TokenHash, ms(now), t.Hostname, t.OS, t.AgentVersion, t.MAC)
		return err
	})
	if err != nil {
		return Terminal{}, fmt.Errorf("enroll: %w", err)
	}
	return t, nil
}
