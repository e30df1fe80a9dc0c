package hub

import "sync"

// Changes collects the ids of terminals whose state changed, for live views
// to pick up. Marks are coalesced: a view asks for "what changed since I
// last looked", so a busy fleet costs a view one update per interval, not
// one per event.
type Changes struct {
	mu      sync.Mutex
	version uint64
	changed map[string]uint64 // terminal id -> version of its last change
	notify  chan struct{}
}

// NewChanges returns an empty change log.
func NewChanges() *Changes {
	return &Changes{changed: map[string]uint64{}, notify: make(chan struct{})}
}

// Mark records that a terminal changed.
func (c *Changes) Mark(id string) {
	c.mu.Lock()
	c.version++
	c.changed[id] = c.version
	close(c.notify)
	c.notify = make(chan struct{})
	c.mu.Unlock()
}

// Since returns the terminals changed after version, and the current
// version to pass next time, and a channel closed at the next change.
func (c *Changes) Since(version uint64) (ids []string, now uint64, next <-chan struct{}) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for id, v := range c.changed {
		if v > version {
			ids = append(ids, id)
		}
	}
	return ids, c.version, c.notify
}
