//go:build linux

package localapi

import (
	"log/slog"
	"net"
	"os"
	"slices"

	"piste/internal/peercred"
)

// peerListener closes, right at accept, every connection whose peer is not
// root, the agent's own user or one of the allowed users.
type peerListener struct {
	net.Listener
	allowed []int
}

func newPeerListener(ln net.Listener, access Access) net.Listener {
	allowed := append([]int{0, os.Getuid()}, access.AllowUIDs...)
	return &peerListener{Listener: ln, allowed: allowed}
}

// Accept returns the next connection from an allowed peer.
func (l *peerListener) Accept() (net.Conn, error) {
	for {
		conn, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		uid, err := peercred.UID(conn)
		if err == nil && slices.Contains(l.allowed, uid) {
			return conn, nil
		}
		conn.Close()
		if err != nil {
			slog.Warn("localapi: refused connection", "err", err)
			continue
		}
		slog.Warn("localapi: refused connection from a user not allowed", "uid", uid)
	}
}
