package store

import (
	"context"
	"database/sql"
	"encoding/json"

	"fmt"
	"strings"
	"time"
)

// Release is one signed agent release for one platform. Its bytes are the
// file named File in the data directory's releases folder.
type Release struct {
	Version   string    `json:"version"`
	OS        string    `json:"os"`
	Arch      string    `json:"arch"`
	SHA256    string    `json:"sha256"`
	Size      int64     `json:"size"`
	Signature string    `json:"signature"`
	File      string    `json:"-"`
	AddedBy   string    `json:"added_by"`
	AddedAt   time.Time `json:"added_at"`
}

// AddRelease records a release; ErrConflict when that version and
// platform exist.
func (s *Store) AddRelease(ctx context.Context, r Release) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO releases
		(version, os, arch, sha256, size, signature, file, added_by, added_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.Version, r.OS, r.Arch, r.SHA256, r.Size, r.Signature, r.File, r.AddedBy, ms(r.AddedAt))
	if err != nil && strings.Contains(err.Error(), "UNIQUE") {
		return fmt.Errorf("release %s %s/%s: %w", r.Version, r.OS, r.Arch, ErrConflict)
	}
	return err
}

const releaseSelect = `SELECT version, os, arch, sha256, size, signature, file, added_by, added_at FROM releases`

func scanRelease(sc interface{ Scan(...any) error }) (Release, error) {
	var r Release
	var at int64
	err := sc.Scan(&r.Version, &r.OS, &r.Arch, &r.SHA256, &r.Size, &r.Signature, &r.File, &r.AddedBy, &at)
	r.AddedAt = fromMS(at)
	return r, err
}

// Release looks up one release.
func (s *Store) Release(ctx context.Context, version, os, arch string) (Release, error) {
	r, err := scanRelease(s.r.QueryRowContext(ctx, releaseSelect+` WHERE version = ? AND os = ? AND arch = ?`, version, os, arch))
	if err != nil {
		return r, notFound(err, "release "+version+" "+os+"/"+arch)
	}
	return r, nil
}

// Releases lists every release, newest first.
func (s *Store) Releases(ctx context.Context) ([]Release, error) {
	rows, err := s.r.QueryContext(ctx, releaseSelect+` ORDER BY added_at DESC, version, os, arch`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Release
	for rows.Next() {
		r, err := scanRelease(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Rollout is the offer of one version to a share of some branches'
// terminals.
type Rollout struct {
	ID                int64     `json:"id"`
	Version           string    `json:"version"`
	Branches          []string  `json:"branches"`
	Percent           int       `json:"percent"`
	MaxFailurePercent int       `json:"max_failure_percent"`
	HealthSeconds     int       `json:"health_seconds"`
	Status            string    `json:"status"`
	Reason            string    `json:"reason,omitempty"`
	CreatedBy         string    `json:"created_by"`
	CreatedAt         time.Time `json:"created_at"`
	UpdatedAt         time.Time `json:"updated_at"`
}

// AddRollout records a rollout and returns its id.
func (s *Store) AddRollout(ctx context.Context, r Rollout) (int64, error) {
	branches, _ := json.Marshal(r.Branches)
	res, err := s.w.ExecContext(ctx, `INSERT INTO rollouts
		(version, branches, percent, max_failure_percent, health_seconds, status, reason, created_by, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.Version, string(branches), r.Percent, r.MaxFailurePercent, r.HealthSeconds, r.Status, r.Reason,
		r.CreatedBy, ms(r.CreatedAt), ms(r.CreatedAt))
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

const rolloutSelect = `SELECT id, version, branches, percent, max_failure_percent, health_seconds, status, reason,
	created_by, created_at, updated_at FROM rollouts`

func scanRollout(sc interface{ Scan(...any) error }) (Rollout, error) {
	var r Rollout
	var branches string
	var created, updated int64
	err := sc.Scan(&r.ID, &r.Version, &branches, &r.Percent, &r.MaxFailurePercent, &r.HealthSeconds, &r.Status,
		&r.Reason, &r.CreatedBy, &created, &updated)
	if err == nil {
		err = json.Unmarshal([]byte(branches), &r.Branches)
	}
	r.CreatedAt, r.UpdatedAt = fromMS(created), fromMS(updated)
	return r, err
}

// Rollout looks up one rollout.
func (s *Store) Rollout(ctx context.Context, id int64) (Rollout, error) {
	r, err := scanRollout(s.r.QueryRowContext(ctx, rolloutSelect+` WHERE id = ?`, id))
	if err != nil {
		return r, notFound(err, fmt.Sprintf("rollout %d", id))
	}
	return r, nil
}

// Rollouts lists rollouts, newest first.
func (s *Store) Rollouts(ctx context.Context) ([]Rollout, error) {
	rows, err := s.r.QueryContext(ctx, rolloutSelect+` ORDER BY id DESC`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Rollout
	for rows.Next() {
		r, err := scanRollout(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// SetRolloutStatus moves a rollout to status if it is in one of from
// (any, when from is empty) and reports whether it moved.
func (s *Store) SetRolloutStatus(ctx context.Context, id int64, status, reason string, now time.Time, from ...string) (bool, error) {
	q, args := `UPDATE rollouts SET status = ?, reason = ?, updated_at = ? WHERE id = ?`, []any{status, reason, ms(now), id}
	if len(from) > 0 {
		q += ` AND status IN (?` + strings.Repeat(", ?", len(from)-1) + `)`
		for _, f := range from {
			args = append(args, f)
		}
	}
	res, err := s.w.ExecContext(ctx, q, args...)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// RolloutTerminal is one terminal's way through a rollout.
type RolloutTerminal struct {
	RolloutID   int64     `json:"rollout_id"`
	TerminalID  string    `json:"terminal_id"`
	FromVersion string    `json:"from_version"`
	Status      string    `json:"status"`
	Detail      string    `json:"detail,omitempty"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// OfferRollout records in one transaction the terminals a rollout has
// been offered to; terminals already recorded keep their row.
func (s *Store) OfferRollout(ctx context.Context, rows []RolloutTerminal) error {
	if len(rows) == 0 {
		return nil
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO rollout_terminals
			(rollout_id, terminal_id, from_version, status, detail, updated_at) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (rollout_id, terminal_id) DO NOTHING`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, r := range rows {
			if _, err := stmt.ExecContext(ctx, r.RolloutID, r.TerminalID, r.FromVersion, r.Status, r.Detail, ms(r.UpdatedAt)); err != nil {
				return err
			}
		}
		return nil
	})
}

// SetRolloutTerminal sets a terminal's status in a rollout if its row is
// in one of from (any, when from is empty), and reports whether it did.
func (s *Store) SetRolloutTerminal(ctx context.Context, r RolloutTerminal, from ...string) (bool, error) {
	q := `UPDATE rollout_terminals SET status = ?, detail = ?, updated_at = ? WHERE rollout_id = ? AND terminal_id = ?`
	args := []any{r.Status, r.Detail, ms(r.UpdatedAt), r.RolloutID, r.TerminalID}
	if len(from) > 0 {
		q += ` AND status IN (?` + strings.Repeat(", ?", len(from)-1) + `)`
		for _, f := range from {
			args = append(args, f)
		}
	}
	res, err := s.w.ExecContext(ctx, q, args...)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

func (s *Store) rolloutTerminals(ctx context.Context, where string, arg any) ([]RolloutTerminal, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT rollout_id, terminal_id, from_version, status, detail, updated_at
		FROM rollout_terminals WHERE `+where+` ORDER BY rollout_id, terminal_id`, arg)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []RolloutTerminal
	for rows.Next() {
		var r RolloutTerminal
		var at int64
		if err := rows.Scan(&r.RolloutID, &r.TerminalID, &r.FromVersion, &r.Status, &r.Detail, &at); err != nil {
			return nil, err
		}
		r.UpdatedAt = fromMS(at)
		out = append(out, r)
	}
	return out, rows.Err()
}

// RolloutTerminals lists a rollout's terminals.
func (s *Store) RolloutTerminals(ctx context.Context, rolloutID int64) ([]RolloutTerminal, error) {
	return s.rolloutTerminals(ctx, "rollout_id = ?", rolloutID)
}

// TerminalRollouts lists one terminal's rows in every rollout.
func (s *Store) TerminalRollouts(ctx context.Context, terminalID string) ([]RolloutTerminal, error) {
	return s.rolloutTerminals(ctx, "terminal_id = ?", terminalID)
}

// RolloutTerminal looks up one terminal's row in a rollout.
func (s *Store) RolloutTerminal(ctx context.Context, rolloutID int64, terminalID string) (RolloutTerminal, error) {
	rows, err := s.rolloutTerminals(ctx, "rollout_id = "+fmt.Sprint(rolloutID)+" AND terminal_id = ?", terminalID)
	if err != nil {
		return RolloutTerminal{}, err
	}
	if len(rows) == 0 {
		return RolloutTerminal{}, fmt.Errorf("rollout %d terminal %s: %w", rolloutID, terminalID, ErrNotFound)
	}
	return rows[0], nil
}
