package protocol

import (
	"bytes"
	"fmt"
	"net"
	"strings"
	"time"
)

// CommandWake asks an awake agent to wake its neighbours in the same branch
// with Wake-on-LAN: the fleet is not on the branch network, the agent is.
// The command's Text lists the neighbours' MAC addresses, comma-separated
// (FormatWake, ParseWake). Only the fleet's power schedule sends it; admins
// do not send it by hand.
const CommandWake = "wake"

// EventPower reports a span the terminal was off on its power schedule,
// sent once the agent runs again.
const EventPower = "power"

// maxWakeTargets bounds one wake command: a branch has a few hundred PCs at
// most.
const maxWakeTargets = 1000

// FormatWake writes the MAC addresses of a wake command.
func FormatWake(macs []net.HardwareAddr) string {
	parts := make([]string, len(macs))
	for i, m := range macs {
		parts[i] = m.String()
	}
	return strings.Join(parts, ",")
}

// ParseWake reads the MAC addresses of a wake command: 48-bit Ethernet
// addresses only, since that is what a magic packet carries.
func ParseWake(text string) ([]net.HardwareAddr, error) {
	if strings.TrimSpace(text) == "" {
		return nil, fmt.Errorf("wake: no MAC addresses")
	}
	parts := strings.Split(text, ",")
	if len(parts) > maxWakeTargets {
		return nil, fmt.Errorf("wake: at most %d MAC addresses, got %d", maxWakeTargets, len(parts))
	}
	macs := make([]net.HardwareAddr, 0, len(parts))
	for _, p := range parts {
		m, err := ParseMAC(p)
		if err != nil {
			return nil, fmt.Errorf("wake: %w", err)
		}
		macs = append(macs, m)
	}
	return macs, nil
}

// ParseMAC reads one 48-bit Ethernet address, like 52:54:00:12:34:56,
// refusing the all-zero and broadcast addresses, which name no machine.
func ParseMAC(s string) (net.HardwareAddr, error) {
	m, err := net.ParseMAC(strings.TrimSpace(s))
	if err != nil || len(m) != 6 {
		return nil, fmt.Errorf("%q is not a MAC address like 52:54:00:12:34:56", truncate(s))
	}
	if bytes.Equal(m, make([]byte, 6)) || bytes.Equal(m, bytes.Repeat([]byte{0xff}, 6)) {
		return nil, fmt.Errorf("%q names no machine", s)
	}
	return m, nil
}

// MagicPacket is the Wake-on-LAN frame for mac: six 0xFF bytes, then the
// address sixteen times (102 bytes), sent as a UDP broadcast.
func MagicPacket(mac net.HardwareAddr) []byte {
	p := bytes.Repeat([]byte{0xff}, 6)
	for range 16 {
		p = append(p, mac...)
	}
	return p
}

// PowerSpan is the data of a power event: the terminal shut down on its
// schedule at OffAt and its agent started again at OnAt.
type PowerSpan struct {
	OffAt time.Time `json:"off_at"`
	OnAt  time.Time `json:"on_at"`
}

// Validate checks a power span: both ends set, in order, under a year.
func (p PowerSpan) Validate() error {
	if p.OffAt.IsZero() || p.OnAt.IsZero() {
		return fmt.Errorf("off_at and on_at are both needed")
	}
	if !p.OnAt.After(p.OffAt) || p.OnAt.Sub(p.OffAt) > 366*24*time.Hour {
		return fmt.Errorf("on_at must come after off_at, within a year; got %s to %s", p.OffAt, p.OnAt)
	}
	return nil
}
