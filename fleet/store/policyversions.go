package store

import (
	"context"
	"database/sql"
	"time"
)

// PolicyVersion is one applied state of a scope's layer: the YAML, who
// applied it and when, what changed from the version before, and the
// version it restored when it was a rollback.
type PolicyVersion struct {
	Scope      string    `json:"scope"`
	Version    int       `json:"version"`
	YAML       string    `json:"yaml"`
	CreatedAt  time.Time `json:"created_at"`
	CreatedBy  string    `json:"created_by"`
	Diff       string    `json:"diff"`
	RollbackOf int       `json:"rollback_of,omitempty"`
}

// PutPolicyVersion stores a layer as its scope's current layer and as the
// scope's next version, in one transaction, and returns that version.
func (s *Store) PutPolicyVersion(ctx context.Context, v PolicyVersion) (int, error) {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) + 1 FROM policy_versions WHERE scope = ?`,
			v.Scope).Scan(&v.Version); err != nil {
			return err
		}
		var rollback any
		if v.RollbackOf > 0 {
			rollback = v.RollbackOf
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO policy_versions (scope, version, yaml, created_at, created_by, diff, rollback_of)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, v.Scope, v.Version, v.YAML, ms(v.CreatedAt), v.CreatedBy, v.Diff, rollback); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO policy_layers (scope, yaml, updated_at, updated_by) VALUES (?, ?, ?, ?)
			ON CONFLICT(scope) DO UPDATE SET yaml = excluded.yaml, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
			v.Scope, v.YAML, ms(v.CreatedAt), v.CreatedBy)
		return err
	})
	return v.Version, err
}

// PolicyVersions lists a scope's versions, newest first.
func (s *Store) PolicyVersions(ctx context.Context, scope string) ([]PolicyVersion, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT scope, version, yaml, created_at, created_by, diff, COALESCE(rollback_of, 0)
		FROM policy_versions WHERE scope = ? ORDER BY version DESC`, scope)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []PolicyVersion
	for rows.Next() {
		v, err := scanPolicyVersion(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// PolicyVersion returns one version of a scope's layer.
func (s *Store) PolicyVersion(ctx context.Context, scope string, version int) (PolicyVersion, error) {
	row := s.r.QueryRowContext(ctx, `SELECT scope, version, yaml, created_at, created_by, diff, COALESCE(rollback_of, 0)
		FROM policy_versions WHERE scope = ? AND version = ?`, scope, version)
	v, err := scanPolicyVersion(row)
	if err == sql.ErrNoRows {
		return v, ErrNotFound
	}
	return v, err
}

func scanPolicyVersion(sc interface{ Scan(...any) error }) (PolicyVersion, error) {
	var v PolicyVersion
	var at int64
	err := sc.Scan(&v.Scope, &v.Version, &v.YAML, &at, &v.CreatedBy, &v.Diff, &v.RollbackOf)
	v.CreatedAt = fromMS(at)
	return v, err
}
