//go:build linux

// Package peercred tells which OS user is at the other end of a local
// unix socket, so the agent's kiosk socket and the fleet's admin socket
// can admit only the accounts they serve.
package peercred

import (
	"errors"
	"fmt"
	"net"

	"golang.org/x/sys/unix"
)

// Supported reports whether UID works on this system.
const Supported = true

// UID reads the connecting process's uid from SO_PEERCRED.
func UID(conn net.Conn) (int, error) {
	uc, ok := conn.(*net.UnixConn)
	if !ok {
		return -1, errors.New("peer check: not a unix connection")
	}
	raw, err := uc.SyscallConn()
	if err != nil {
		return -1, fmt.Errorf("peer check: %w", err)
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
		return -1, fmt.Errorf("peer check: read SO_PEERCRED: %w", err)
	}
	return int(cred.Uid), nil
}
