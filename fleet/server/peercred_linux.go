//go:build linux

package server

import (
	"errors"
	"fmt"
	"net"

	"golang.org/x/sys/unix"
)

const peerCheckSupported = true

// peerUID reads the connecting process's uid from SO_PEERCRED.
func peerUID(c net.Conn) (int, error) {
	uc, ok := c.(*net.UnixConn)
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
