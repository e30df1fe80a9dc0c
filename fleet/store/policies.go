package store

import (
	"context"
	"database/sql"
	"time"
)

// PolicyLayer is one scope's policy YAML as an admin applied it.
type PolicyLayer struct {
	Scope     string    `json:"scope"`
	YAML      string    `json:"yaml"`
	UpdatedAt time.Time `json:"updated_at"`
	UpdatedBy string    `json:"updated_by"`
}

// PutPolicyLayer stores (replaces) a scope's layer.
func (s *Store) PutPolicyLayer(ctx context.Context, l PolicyLayer) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO policy_layers (scope, yaml, updated_at, updated_by) VALUES (?, ?, ?, ?)
		ON CONFLICT(scope) DO UPDATE SET yaml = excluded.yaml, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
		l.Scope, l.YAML, ms(l.UpdatedAt), l.UpdatedBy)
	return err
}

// PolicyLayers returns every stored layer by scope.
func (s *Store) PolicyLayers(ctx context.Context) (map[string]PolicyLayer, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT scope, yaml, updated_at, updated_by FROM policy_layers`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]PolicyLayer{}
	for rows.Next() {
		var l PolicyLayer
		var at int64
		if err := rows.Scan(&l.Scope, &l.YAML, &at, &l.UpdatedBy); err != nil {
			return nil, err
		}
		l.UpdatedAt = fromMS(at)
		out[l.Scope] = l
	}
	return out, rows.Err()
}

// PolicyLayersFor returns the stored layers of the given scopes, by scope;
// scopes without a layer are left out.
func (s *Store) PolicyLayersFor(ctx context.Context, scopes ...string) (map[string]PolicyLayer, error) {
	out := map[string]PolicyLayer{}
	for _, sc := range scopes {
		var l PolicyLayer
		var at int64
		err := s.r.QueryRowContext(ctx, `SELECT scope, yaml, updated_at, updated_by FROM policy_layers WHERE scope = ?`, sc).
			Scan(&l.Scope, &l.YAML, &at, &l.UpdatedBy)
		if err == sql.ErrNoRows {
			continue
		}
		if err != nil {
			return nil, err
		}
		l.UpdatedAt = fromMS(at)
		out[sc] = l
	}
	return out, nil
}
