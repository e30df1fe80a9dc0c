//go:build !linux

// Package peercred tells which OS user is at the other end of a local
// unix socket, so the agent's kiosk socket and the fleet's admin socket
// can admit only the accounts they serve.
package peercred

import (
	"errors"
	"net"
)

// Supported reports whether UID works on this system.
const Supported = false

// UID is not available outside Linux.
func UID(net.Conn) (int, error) {
	return -1, errors.New("peer check: not supported on this system")
}
