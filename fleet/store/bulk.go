package store

import (
	"context"
	"database/sql"
	"time"
)

// BulkAction is one command sent to many terminals at once.
type BulkAction struct {
	ID        string    `json:"id"`
	Type      string    `json:"type"`
	Text      string    `json:"text,omitempty"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
	Count     int       `json:"count"`
}

// AddBulk stores a bulk action and its commands, one per terminal, in one
// transaction: all are queued or none.
func (s *Store) AddBulk(ctx context.Context, b BulkAction, cmds []Command) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO bulk_actions (id, type, text, created_by, created_at, count)
			VALUES (?, ?, ?, ?, ?, ?)`, b.ID, b.Type, b.Text, b.CreatedBy, ms(b.CreatedAt), len(cmds)); err != nil {
			return err
		}
		st, err := tx.PrepareContext(ctx, `INSERT INTO commands
			(id, terminal_id, type, text, status, created_by, created_at, expires_at, bulk_id)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer st.Close()
		for _, c := range cmds {
			if _, err := st.ExecContext(ctx, c.ID, c.TerminalID, c.Type, c.Text, CommandQueued, c.CreatedBy,
				ms(c.CreatedAt), ms(c.ExpiresAt), b.ID); err != nil {
				return err
			}
		}
		return nil
	})
}

// BulkProgress returns a bulk action and how many of its commands to
// terminals of the given branches (nil: all) are in each status.
func (s *Store) BulkProgress(ctx context.Context, id string, branches []string) (BulkAction, map[string]int, error) {
	var b BulkAction
	var at int64
	err := s.r.QueryRowContext(ctx, `SELECT id, type, text, created_by, created_at, count FROM bulk_actions WHERE id = ?`, id).
		Scan(&b.ID, &b.Type, &b.Text, &b.CreatedBy, &at, &b.Count)
	if err != nil {
		return b, nil, notFound(err, "bulk action "+id)
	}
	b.CreatedAt = fromMS(at)
	q := `SELECT c.status, COUNT(*) FROM commands c JOIN terminals t ON t.id = c.terminal_id WHERE c.bulk_id = ?`
	args := []any{id}
	if branches != nil {
		if len(branches) == 0 {
			return b, map[string]int{}, nil
		}
		q += ` AND t.branch IN (` + marks(len(branches)) + `)`
		args = append(args, anys(branches)...)
	}
	rows, err := s.r.QueryContext(ctx, q+` GROUP BY c.status`, args...)
	if err != nil {
		return b, nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return b, nil, err
		}
		out[st] = n
	}
	return b, out, rows.Err()
}
