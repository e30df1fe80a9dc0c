package daemon

import (
	"net"
	"syscall"
)

// dialBroadcast opens a UDP socket to raddr that may send to a broadcast
// address (SO_BROADCAST).
func dialBroadcast(raddr *net.UDPAddr) (*net.UDPConn, error) {
	d := net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(syscall.Handle(fd), syscall.SOL_SOCKET, syscall.SO_BROADCAST, 1)
		})
		if err != nil {
			return err
		}
		return serr
	}}
	c, err := d.Dial("udp4", raddr.String())
	if err != nil {
		return nil, err
	}
	return c.(*net.UDPConn), nil
}
