package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// Terminal is an enrolled public PC or info screen as stored.
type Terminal struct {
	ID           string
	Name         string
	Branch       string
	Kind         string
	TokenHash    string
	Revoked      bool
	EnrolledAt   time.Time
	Hostname     string
	OS           string
	AgentVersion string
	State        string
	StateReason  string
	LastSeen     time.Time
	Health       Health
	// Linked, ListStatus and HealthReceived are read by the list's
	// queries only (TerminalPage, ListTerminal): whether the hub has the
	// link up, the status derived from it, and when the newest health
	// sample arrived.
	Linked         bool
	ListStatus     string
	HealthReceived time.Time
	MAC            string // for Wake-on-LAN; empty when never reported
}

// Health is the latest health sample of a terminal.
type Health struct {
	At              time.Time `json:"at"`
	CPUPercent      float64   `json:"cpu_percent"`
	MemUsedPercent  float64   `json:"mem_used_percent"`
	DiskUsedPercent float64   `json:"disk_used_percent"`
	UptimeSeconds   uint64    `json:"uptime_seconds"`
	AgentRSSBytes   uint64    `json:"agent_rss_bytes"`
}

const terminalSelect = `SELECT id, name, branch, kind, COALESCE(token_hash, ''), revoked_at IS NOT NULL,
	enrolled_at, hostname, os, agent_version, state, state_reason, last_seen,
	health_at, cpu, mem, disk, uptime, rss, mac FROM terminals`

func scanTerminal(sc interface{ Scan(...any) error }) (Terminal, error) {
	var t Terminal
	var enrolled, seen, healthAt int64
	err := sc.Scan(&t.ID, &t.Name, &t.Branch, &t.Kind, &t.TokenHash, &t.Revoked,
		&enrolled, &t.Hostname, &t.OS, &t.AgentVersion, &t.State, &t.StateReason, &seen,
		&healthAt, &t.Health.CPUPercent, &t.Health.MemUsedPercent, &t.Health.DiskUsedPercent,
		&t.Health.UptimeSeconds, &t.Health.AgentRSSBytes, &t.MAC)
	t.EnrolledAt, t.LastSeen, t.Health.At = fromMS(enrolled), fromMS(seen), fromMS(healthAt)
	return t, err
}

// Terminals lists terminals, optionally only those of one branch.
func (s *Store) Terminals(ctx context.Context, branch string) ([]Terminal, error) {
	if branch != "" {
		return s.queryTerminals(ctx, ` WHERE branch = ? ORDER BY name`, branch)
	}
	return s.queryTerminals(ctx, ` ORDER BY branch, name`)
}

// TerminalsOfKind returns every terminal of one kind (pc, screen),
// revoked ones included, by branch and name.
func (s *Store) TerminalsOfKind(ctx context.Context, kind string) ([]Terminal, error) {
	return s.queryTerminals(ctx, ` WHERE kind = ? ORDER BY branch, name`, kind)
}

// queryTerminals reads whole terminal rows; rest follows terminalSelect.
func (s *Store) queryTerminals(ctx context.Context, rest string, args ...any) ([]Terminal, error) {
	rows, err := s.r.QueryContext(ctx, terminalSelect+rest, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Terminal
	for rows.Next() {
		t, err := scanTerminal(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// PCState is a public PC's id and reported state.
type PCState struct {
	ID, State string
}

// PCStates returns the id and state of each unrevoked PC of a branch:
// what a "free computers" count needs, without reading whole rows.
func (s *Store) PCStates(ctx context.Context, branch string) ([]PCState, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, state FROM terminals
		WHERE branch = ? AND kind = 'pc' AND revoked_at IS NULL`, branch)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []PCState
	for rows.Next() {
		var p PCState
		if err := rows.Scan(&p.ID, &p.State); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// Terminal looks up one terminal.
func (s *Store) Terminal(ctx context.Context, id string) (Terminal, error) {
	t, err := scanTerminal(s.r.QueryRowContext(ctx, terminalSelect+` WHERE id = ?`, id))
	if err != nil {
		return t, notFound(err, "terminal "+id)
	}
	return t, nil
}

// TerminalByToken finds the unrevoked terminal holding a token hash.
func (s *Store) TerminalByToken(ctx context.Context, tokenHash string) (Terminal, error) {
	t, err := scanTerminal(s.r.QueryRowContext(ctx,
		terminalSelect+` WHERE token_hash = ? AND revoked_at IS NULL`, tokenHash))
	if err != nil {
		return t, notFound(err, "terminal token")
	}
	return t, nil
}

// RevokeTerminal forgets a terminal's token so it can never connect again.
func (s *Store) RevokeTerminal(ctx context.Context, id string, now time.Time) error {
	res, err := s.w.ExecContext(ctx,
		`UPDATE terminals SET token_hash = NULL, revoked_at = ? WHERE id = ?`, ms(now), id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("terminal %s: %w", id, ErrNotFound)
	}
	return nil
}

// Presence is what a connection learns about its terminal, written in
// batches by the ingest loop.
type Presence struct {
	TerminalID   string
	LastSeen     time.Time
	AgentVersion string
	Hostname     string
	OS           string
	MAC          string // empty keeps the stored one
}

// presenceChunk bounds the rows one presence transaction writes: the
// flush of ten thousand terminals' last-seen times would otherwise hold
// the one writer for most of a second, and a visitor's login or help
// request would wait behind it.
const presenceChunk = 500

// UpdatePresence records hello data and last-seen times, in transactions
// of at most presenceChunk rows.
func (s *Store) UpdatePresence(ctx context.Context, ps []Presence) error {
	for len(ps) > 0 {
		n := min(len(ps), presenceChunk)
		if err := s.updatePresence(ctx, ps[:n]); err != nil {
			return err
		}
		ps = ps[n:]
	}
	return nil
}

func (s *Store) updatePresence(ctx context.Context, ps []Presence) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		// Most rows are a last-seen time alone: prepared once per chunk,
		// not parsed again for each of them.
		seen, err := tx.PrepareContext(ctx, `UPDATE terminals SET last_seen = MAX(last_seen, ?) WHERE id = ?`)
		if err != nil {
			return err
		}
		defer seen.Close()
		for _, p := range ps {
			if p.AgentVersion == "" {
				_, err = seen.ExecContext(ctx, ms(p.LastSeen), p.TerminalID)
			} else {
				if err := recordAgentUpdate(ctx, tx, p); err != nil {
					return err
				}
				_, err = tx.ExecContext(ctx, `UPDATE terminals SET last_seen = MAX(last_seen, ?), agent_version = ?, hostname = ?, os = ? WHERE id = ?`,
					ms(p.LastSeen), p.AgentVersion, p.Hostname, p.OS, p.TerminalID)
			}
			if err != nil {
				return err
			}
			if p.MAC != "" {
				if _, err := tx.ExecContext(ctx, `UPDATE terminals SET mac = ? WHERE id = ?`, p.MAC, p.TerminalID); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// HealthSample is one point of a terminal's health history.
type HealthSample struct {
	At              time.Time `json:"at"`
	CPUPercent      float64   `json:"cpu_percent"`
	MemUsedPercent  float64   `json:"mem_used_percent"`
	DiskUsedPercent float64   `json:"disk_used_percent"`
}

// HealthHistory returns a terminal's samples since a time, oldest first.
func (s *Store) HealthHistory(ctx context.Context, id string, since time.Time) ([]HealthSample, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT at, cpu, mem, disk FROM health_samples
		WHERE terminal_id = ? AND at >= ? ORDER BY at`, id, ms(since))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []HealthSample
	for rows.Next() {
		var h HealthSample
		var at int64
		if err := rows.Scan(&at, &h.CPUPercent, &h.MemUsedPercent, &h.DiskUsedPercent); err != nil {
			return nil, err
		}
		h.At = fromMS(at)
		out = append(out, h)
	}
	return out, rows.Err()
}

// PruneHealth drops samples older than a time.
func (s *Store) PruneHealth(ctx context.Context, before time.Time) error {
	_, err := s.w.ExecContext(ctx, `DELETE FROM health_samples WHERE at < ?`, ms(before))
	return err
}

// ValidID reports whether s is a usable identifier for branches and terminals.
func ValidID(s string) bool {
	return s != "" && len(s) <= 64 && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") == ""
}
