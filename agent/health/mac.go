package health

import (
	"net"
)

// MAC returns the hardware address of the machine's first wired-looking
// interface that is up and has an IPv4 address, for Wake-on-LAN; "" when
// there is none (a container, a machine on Wi-Fi only still reports its
// Wi-Fi address, which Wake-on-LAN may not reach).
func MAC() string {
	ifs, err := net.Interfaces()
	if err != nil {
		return ""
	}
	for _, i := range ifs {
		if i.Flags&net.FlagUp == 0 || i.Flags&net.FlagLoopback != 0 || len(i.HardwareAddr) != 6 {
			continue
		}
		addrs, err := i.Addrs()
		if err != nil {
			continue
		}
		for _, a := range addrs {
			if ipn, ok := a.(*net.IPNet); ok && ipn.IP.To4() != nil {
				return i.HardwareAddr.String()
			}
		}
	}
	return ""
}
