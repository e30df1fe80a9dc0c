package protocol

import "sync"

// maxUnknownNoted bounds the types an UnknownTypes remembers, so a peer
// sending endless made-up types cannot grow it.
const maxUnknownNoted = 64

// UnknownTypes remembers which unknown frame types a peer has already been
// logged for, so that a newer peer's new frame type is said once per
// process, not once per frame. The zero value is ready to use.
type UnknownTypes struct {
	mu   sync.Mutex
	seen map[string]bool
}

// First reports whether typ is seen here for the first time. Past the
// bound every type counts as seen.
func (u *UnknownTypes) First(typ string) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.seen[typ] || len(u.seen) >= maxUnknownNoted {
		return false
	}
	if u.seen == nil {
		u.seen = map[string]bool{}
	}
	u.seen[typ] = true
	return true
}
