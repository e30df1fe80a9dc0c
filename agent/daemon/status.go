package daemon

import (
	"context"

	"piste/agent/localapi"
)

// Status returns a copy of the agent's status.
func (d *Daemon) Status() localapi.Status {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.status
}

// update changes the status and tells every watcher.
func (d *Daemon) update(fn func(*localapi.Status)) {
	d.mu.Lock()
	fn(&d.status)
	s := d.status
	d.followDesktopLocked(s)
	for ch := range d.watchers {
		select { // a slow watcher skips to the newest status
		case <-ch:
		default:
		}
		ch <- s
	}
	d.mu.Unlock()
}

// Watch sends the current status and then every change until ctx ends.
func (d *Daemon) Watch(ctx context.Context) <-chan localapi.Status {
	ch := make(chan localapi.Status, 1)
	d.mu.Lock()
	ch <- d.status
	d.watchers[ch] = struct{}{}
	d.mu.Unlock()
	go func() {
		<-ctx.Done()
		d.mu.Lock()
		delete(d.watchers, ch)
		d.mu.Unlock()
	}()
	return ch
}
