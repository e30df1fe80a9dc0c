package api

import (
	"context"

	"piste/fleet/store"
)

type localKey struct{}

// WithLocalAdmin marks a request as arriving on the fleet's local admin
// socket, whose peer the server has checked to be its own OS user or
// root: the request acts as a fleet-wide admin named name (audited so).
// Only the admin socket's server may set it.
func WithLocalAdmin(ctx context.Context, name string) context.Context {
	return context.WithValue(ctx, localKey{}, store.User{Name: name, Role: RoleAdmin})
}

func localAdmin(ctx context.Context) (store.User, bool) {
	u, ok := ctx.Value(localKey{}).(store.User)
	return u, ok
}
