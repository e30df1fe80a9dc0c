//go:build linux

package localapi

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"slices"

	"golang.org/x/sys/unix"
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
		uid, err := peerUID(conn)
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

// peerUID reads the connecting process's uid from SO_PEERCRED.
func peerUID(conn net.Conn) (int, error) {
	uc, ok := conn.(*net.UnixConn)
	if !ok {
		return -1, errors.New("localapi: peer check: not a unix connection")
	}
	raw, err := uc.SyscallConn()
	if err != nil {
		return -1, fmt.Errorf("localapi: peer check: %w", err)
	}
	var cred *unix.Ucred
	var credErr error
	err = raw.Control(func(fd uintptr) {
		cred, credErr = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED)
	})
	if err == nil {
		err = credErr
	}
	if err != nil {
		return -1, fmt.Errorf("localapi: peer check: read SO_PEERCRED: %w", err)
	}
	return int(cred.Uid), nil
}
