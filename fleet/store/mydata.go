package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// RememberedSettings is what a visitor asked the fleet to keep, by their
// card's keyed hash: the settings as JSON (fleet/protocol.VisitorSettings),
// when they were chosen and when they were last applied.
type RememberedSettings struct {
	CardHash  string
	Settings  []byte
	UpdatedAt time.Time
	UsedAt    time.Time
}

// PutVisitorSettings keeps settings for a card hash, replacing what was kept.
func (s *Store) PutVisitorSettings(ctx context.Context, cardHash string, settings []byte, now time.Time) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO visitor_settings (card_hash, settings, updated_at, used_at)
			VALUES (?, ?, ?, ?) ON CONFLICT (card_hash) DO UPDATE SET settings = excluded.settings,
			updated_at = excluded.updated_at, used_at = excluded.used_at`, cardHash, string(settings), ms(now), ms(now))
		return err
	})
}

// VisitorSettings returns what is kept for a card hash, or ErrNotFound.
func (s *Store) VisitorSettings(ctx context.Context, cardHash string) (RememberedSettings, error) {
	r := RememberedSettings{CardHash: cardHash}
	var settings string
	var updated, used int64
	err := s.r.QueryRowContext(ctx, `SELECT settings, updated_at, used_at FROM visitor_settings WHERE card_hash = ?`,
		cardHash).Scan(&settings, &updated, &used)
	if errors.Is(err, sql.ErrNoRows) {
		return r, ErrNotFound
	}
	r.Settings, r.UpdatedAt, r.UsedAt = []byte(settings), fromMS(updated), fromMS(used)
	return r, err
}

// TouchVisitorSettings records that the settings were applied at a login,
// which keeps them from expiring.
func (s *Store) TouchVisitorSettings(ctx context.Context, cardHash string, now time.Time) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE visitor_settings SET used_at = ? WHERE card_hash = ?`, ms(now), cardHash)
		return err
	})
}

// DeleteVisitorSettings forgets what is kept for a card hash; it reports
// whether there was anything.
func (s *Store) DeleteVisitorSettings(ctx context.Context, cardHash string) (bool, error) {
	var n int64
	err := s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM visitor_settings WHERE card_hash = ?`, cardHash)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n > 0, err
}

// ExpireVisitorSettings deletes the settings not used since unusedSince
// and returns how many went.
func (s *Store) ExpireVisitorSettings(ctx context.Context, unusedSince time.Time) (int, error) {
	var n int64
	err := s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM visitor_settings WHERE used_at < ?`, ms(unusedSince))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), err
}

// CardSessionsOn lists a card hash's sessions of one day, earliest first:
// what the fleet keeps of a visitor's computer use for the daily quota.
func (s *Store) CardSessionsOn(ctx context.Context, cardHash, day string) ([]VisitorSession, error) {
	rows, err := s.r.QueryContext(ctx, sessionSelect+` WHERE card_hash = ? AND day = ? ORDER BY granted_at`, cardHash, day)
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
