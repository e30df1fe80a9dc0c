package hub

import "piste/fleet/protocol"

// macOf is the MAC address a hello reports, normalised; empty when it
// reports none or one that names no machine, which then keeps the last one
// stored.
func macOf(h protocol.Hello) string {
	m, err := protocol.ParseMAC(h.MAC)
	if err != nil {
		return ""
	}
	return m.String()
}
