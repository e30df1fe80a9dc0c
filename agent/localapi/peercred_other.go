//go:build !linux

package localapi

import "net"

// newPeerListener returns ln unchanged: outside Linux the socket's file
// permissions (or, on Windows, its directory's ACL) are the only guard.
func newPeerListener(ln net.Listener, access Access) net.Listener { return ln }
