package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Branch is one library.
type Branch struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	TZ        string    `json:"tz"`
	CreatedAt time.Time `json:"created_at"`
}

// AddBranch creates a branch.
func (s *Store) AddBranch(ctx context.Context, b Branch) error {
	_, err := s.w.ExecContext(ctx,
		`INSERT INTO branches (id, name, tz, created_at) VALUES (?, ?, ?, ?)`,
		b.ID, b.Name, b.TZ, ms(time.Now()))
	if isUnique(err) {
		return fmt.Errorf("branch %q: %w", b.ID, ErrConflict)
	}
	return err
}

// Branches lists all branches by id.
func (s *Store) Branches(ctx context.Context) ([]Branch, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, name, tz, created_at FROM branches ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Branch
	for rows.Next() {
		var b Branch
		var created int64
		if err := rows.Scan(&b.ID, &b.Name, &b.TZ, &created); err != nil {
			return nil, err
		}
		b.CreatedAt = fromMS(created)
		out = append(out, b)
	}
	return out, rows.Err()
}

// Branch looks up one branch.
func (s *Store) Branch(ctx context.Context, id string) (Branch, error) {
	var b Branch
	var created int64
	err := s.r.QueryRowContext(ctx, `SELECT id, name, tz, created_at FROM branches WHERE id = ?`, id).
		Scan(&b.ID, &b.Name, &b.TZ, &created)
	if err != nil {
		return b, notFound(err, "branch "+id)
	}
	b.CreatedAt = fromMS(created)
	return b, nil
}

func isUnique(err error) bool {
	return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed") ||
		err != nil && strings.Contains(err.Error(), "PRIMARY KEY")
}
