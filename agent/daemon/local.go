package daemon

import (
	"context"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"

	"piste/agent/localapi"
	"piste/agent/state"
)

// serveLocal starts the local API on the state dir's socket. Root, the
// agent itself and the kiosk user (whose session runs the kiosk UI) may
// connect; nobody else.
func (d *Daemon) serveLocal(ctx context.Context) (stop func(), err error) {
	access, err := kioskAccess(d.opts.KioskUser)
	if err != nil {
		return nil, err
	}
	path := d.opts.Socket
	if path == "" {
		path = filepath.Join(d.opts.StateDir, state.SocketFile)
	}
	ln, err := localapi.Listen(path, access)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := localapi.Serve(ctx, ln, d); err != nil {
			d.log.Error("local API", "err", err)
		}
	}()
	return func() {
		cancel()
		<-done
		os.Remove(path)
	}, nil
}

func kioskAccess(name string) (localapi.Access, error) {
	access := localapi.Access{Group: -1}
	if name == "" {
		return access, nil
	}
	u, err := user.Lookup(name)
	if err != nil {
		return access, fmt.Errorf("kiosk user %q: %w", name, err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	access.AllowUIDs = []int{uid}
	access.Group = gid
	return access, nil
}
