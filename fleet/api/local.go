package api

import (
	"context"

	"piste/fleet/staff"
)

type localKey struct{}

// WithLocalAdmin marks a request as arriving on the fleet's local admin
// socket, whose peer the server has checked to be its own OS user or
// root: the request acts as a fleet-wide admin named name (audited so).
// Only the admin socket's server may set it.
func WithLocalAdmin(ctx context.Context, name string) context.Context {
	return context.WithValue(ctx, localKey{}, staff.Member{Name: name, Role: staff.RoleAdmin})
}

func localAdmin(ctx context.Context) (staff.Member, bool) {
	m, ok := ctx.Value(localKey{}).(staff.Member)
	return m, ok
}
