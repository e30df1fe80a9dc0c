package config

import (
	"fmt"
	"net/netip"
)

// DefaultWakeBroadcast is where Wake-on-LAN packets go when the config
// names no address: the local network's broadcast, the discard port.
const DefaultWakeBroadcast = "255.255.255.255:9"

// checkWakeBroadcast refuses an address that is not an IPv4 address and port.
func checkWakeBroadcast(addrs []string, lines map[string]int) error {
	for i, a := range addrs {
		key := fmt.Sprintf("wake_broadcast[%d]", i)
		ap, err := netip.ParseAddrPort(a)
		if err != nil || !ap.Addr().Is4() || ap.Port() == 0 {
			return errorf(key, lines[key], "must be an IPv4 address and port such as 192.168.10.255:9, got %q", a)
		}
	}
	return nil
}
