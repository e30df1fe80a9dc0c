//go:build !linux

package server

import (
	"errors"
	"net"
)

// Without a peer-credential check the admin socket is not served; the
// CLI then works on the data directory.
const peerCheckSupported = false

func peerUID(net.Conn) (int, error) {
	return -1, errors.New("peer check: not supported on this system")
}
