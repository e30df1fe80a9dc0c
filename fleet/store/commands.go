package store

import (
	"context"
	"database/sql"
	"time"

	"piste/fleet/protocol"
)

// Command statuses, as stored and shown (see protocol.CommandStatus).
const (
	CommandQueued    = string(protocol.CommandQueued)
	CommandDelivered = string(protocol.CommandDelivered)
	CommandDone      = string(protocol.CommandDone)
	CommandFailed    = string(protocol.CommandFailed)
	CommandExpired   = string(protocol.CommandExpired)
)

// Command is an admin's instruction to one terminal.
type Command struct {
	ID          string    `json:"id"`
	TerminalID  string    `json:"terminal_id"`
	Type        string    `json:"type"`
	Text        string    `json:"text,omitempty"`
	Texts       Texts     `json:"texts,omitempty"` // a message's text per language
	Status      string    `json:"status"`
	CreatedBy   string    `json:"created_by"`
	CreatedAt   time.Time `json:"created_at"`
	ExpiresAt   time.Time `json:"expires_at"`
	DeliveredAt time.Time `json:"delivered_at,omitzero"`
	FinishedAt  time.Time `json:"finished_at,omitzero"`
	Error       string    `json:"error,omitempty"`
}

// AddCommand queues a command.
func (s *Store) AddCommand(ctx context.Context, c Command) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO commands
		(id, terminal_id, type, text, texts, status, created_by, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.TerminalID, c.Type, c.Text, c.Texts.column(), CommandQueued, c.CreatedBy, ms(c.CreatedAt), ms(c.ExpiresAt))
	return err
}

const commandSelect = `SELECT id, terminal_id, type, text, texts, status, created_by, created_at,
	expires_at, delivered_at, finished_at, error FROM commands`

func scanCommand(sc interface{ Scan(...any) error }) (Command, error) {
	var c Command
	var created, expires int64
	var delivered, finished sql.NullInt64
	var texts string
	err := sc.Scan(&c.ID, &c.TerminalID, &c.Type, &c.Text, &texts, &c.Status, &c.CreatedBy,
		&created, &expires, &delivered, &finished, &c.Error)
	c.Texts = textsFromColumn(texts)
	c.CreatedAt, c.ExpiresAt = fromMS(created), fromMS(expires)
	c.DeliveredAt, c.FinishedAt = nullMS(delivered), nullMS(finished)
	return c, err
}

// Command looks up one command.
func (s *Store) Command(ctx context.Context, id string) (Command, error) {
	c, err := scanCommand(s.r.QueryRowContext(ctx, commandSelect+` WHERE id = ?`, id))
	if err != nil {
		return c, notFound(err, "command "+id)
	}
	return c, nil
}

// PendingCommands lists a terminal's queued, unexpired commands, oldest first.
func (s *Store) PendingCommands(ctx context.Context, terminalID string, now time.Time) ([]Command, error) {
	rows, err := s.r.QueryContext(ctx, commandSelect+`
		WHERE terminal_id = ? AND status = ? AND expires_at > ? ORDER BY created_at, id`,
		terminalID, CommandQueued, ms(now))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Command
	for rows.Next() {
		c, err := scanCommand(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// MarkDelivered records the agent's ack of a queued command.
func (s *Store) MarkDelivered(ctx context.Context, id, terminalID string, now time.Time) error {
	_, err := s.w.ExecContext(ctx, `UPDATE commands SET status = ?, delivered_at = ?
		WHERE id = ? AND terminal_id = ? AND status = ?`,
		CommandDelivered, ms(now), id, terminalID, CommandQueued)
	return err
}

// ExpireCommands marks queued commands past their TTL expired and returns them.
func (s *Store) ExpireCommands(ctx context.Context, now time.Time) ([]string, error) {
	rows, err := s.w.QueryContext(ctx, `UPDATE commands SET status = ?, finished_at = ?
		WHERE status = ? AND expires_at <= ? RETURNING id`,
		CommandExpired, ms(now), CommandQueued, ms(now))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}
