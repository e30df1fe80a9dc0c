package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// ErrGuestPassInvalid is returned for a guest pass that is unknown, used,
// expired or of another branch; the visitor is told only that it is not valid.
var ErrGuestPassInvalid = errors.New("guest pass not valid")

// AddGuestPasses stores the hashes of a batch of new guest passes.
func (s *Store) AddGuestPasses(ctx context.Context, hashes []string, branch string, minutes int, validUntil, now time.Time) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		for _, h := range hashes {
			if _, err := tx.ExecContext(ctx, `INSERT INTO guest_passes (code_hash, branch, minutes, valid_until, created_at)
				VALUES (?, ?, ?, ?, ?)`, h, branch, minutes, ms(validUntil), ms(now)); err != nil {
				return fmt.Errorf("store guest pass: %w", err)
			}
		}
		return nil
	})
}

// RedeemGuestPass spends a guest pass at a terminal of branch and returns
// its minutes. A pass can be spent once.
func (s *Store) RedeemGuestPass(ctx context.Context, codeHash, branch, terminalID string, now time.Time) (int, error) {
	var minutes int
	err := s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE guest_passes SET used_at = ?, used_by = ?
			WHERE code_hash = ? AND branch = ? AND used_at IS NULL AND valid_until > ?`,
			ms(now), terminalID, codeHash, branch, ms(now))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrGuestPassInvalid
		}
		return tx.QueryRowContext(ctx, `SELECT minutes FROM guest_passes WHERE code_hash = ?`, codeHash).Scan(&minutes)
	})
	return minutes, err
}
