package api

import (
	"context"
	"time"

	"piste/fleet/audit"
	"piste/fleet/staff"
	"piste/fleet/store"
	"piste/fleet/terminals"
)

// NewEnrollCode creates an enrollment code for a branch as the console
// admin, for tests and tools that hold the store.
func NewEnrollCode(ctx context.Context, st *store.Store, branch string, uses int, ttl time.Duration) (string, error) {
	c, err := terminals.New(st, nil, audit.New(st)).NewEnrollCode(ctx, staff.CLI, branch, uses, ttl)
	return c.Code, err
}
