package hub

import (
	"context"
)

// AddHooks adds hooks that run after those already set, so that several
// parts of the fleet can act on the link; call it before Run.
func (h *Hub) AddHooks(more Hooks) {
	prev := h.hooks
	h.hooks = Hooks{
		Connected: chain(prev.Connected, more.Connected),
		Stored:    chain(prev.Stored, more.Stored),
	}
}

func chain[T any](a, b func(context.Context, T)) func(context.Context, T) {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	}
	return func(ctx context.Context, v T) { a(ctx, v); b(ctx, v) }
}
