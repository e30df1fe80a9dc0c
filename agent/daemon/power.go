package daemon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"

	"piste/fleet/protocol"
	"piste/policies/policy"
)

// PowerOffFile in the state dir holds when the terminal shut down on its
// power schedule, so that the agent can report the span once it runs again.
const PowerOffFile = "power-off.json"

// shutdownPlan decides when the terminal shuts down on its schedule. While
// the library is open it notes the coming closing; once closed for
// shutdown_after_closing_minutes, and no visitor's session runs (it ended
// at closing, with the usual warnings), it says to shut down, once. An
// agent that starts within that wait (restarted after closing) still keeps
// it; a terminal started later than that (woken by hand) is left on.
type shutdownPlan struct {
	at      time.Time // zero: no shutdown planned
	started bool
}

// step moves the plan to now and reports whether to shut down now.
func (s *shutdownPlan) step(now time.Time, p policy.Policy, inSession bool) bool {
	first := !s.started
	s.started = true
	if !p.Power.Enabled {
		s.at = time.Time{}
		return false
	}
	after := time.Duration(p.Power.ShutdownAfterClosingMinutes) * time.Minute
	if p.Hours.OpenAt(now) {
		closing, _ := p.Hours.ClosingAfter(now)
		s.at = time.Time{}
		if !closing.IsZero() {
			s.at = closing.Add(after)
		}
		return false
	}
	if first {
		// Started after closing: was the library open just before the wait?
		if before := now.Add(-after - time.Minute); p.Hours.OpenAt(before) {
			if closing, _ := p.Hours.ClosingAfter(before); !closing.IsZero() && !closing.After(now) {
				s.at = closing.Add(after)
			}
		}
	}
	if s.at.IsZero() || now.Before(s.at) || inSession {
		return false
	}
	s.at = time.Time{}
	return true
}

// powerSchedule shuts the terminal down after closing, as its policy says.
func (d *Daemon) powerSchedule(ctx context.Context) {
	var plan shutdownPlan
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		st := d.Status()
		busy := st.State.InSession()
		if !plan.step(time.Now(), d.session.Policy(), busy) {
			continue
		}
		d.log.Info("shutdown on the power schedule: the library is closed")
		if err := writePowerOff(d.opts.StateDir, time.Now()); err != nil {
			d.log.Warn("power-off time not saved; the hours saved will miss this night", "err", err)
		}
		if err := d.power(protocol.CommandShutdown); err != nil {
			d.log.Error("scheduled shutdown failed", "err", err)
			os.Remove(filepath.Join(d.opts.StateDir, PowerOffFile))
		}
	}
}

func writePowerOff(dir string, at time.Time) error {
	b, _ := json.Marshal(struct {
		OffAt time.Time `json:"off_at"`
	}{at.UTC()})
	tmp := filepath.Join(dir, PowerOffFile+".tmp")
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, PowerOffFile))
}

// reportPowerSpan sends the span the terminal was off on its schedule, if
// it shut down so before this start, through the outbox.
func (d *Daemon) reportPowerSpan() {
	path := filepath.Join(d.opts.StateDir, PowerOffFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return
	}
	defer os.Remove(path)
	var off struct {
		OffAt time.Time `json:"off_at"`
	}
	if err != nil || json.Unmarshal(b, &off) != nil {
		d.log.Warn("power-off record unreadable; dropped", "err", err)
		return
	}
	span := protocol.PowerSpan{OffAt: off.OffAt, OnAt: time.Now().UTC()}
	if err := span.Validate(); err != nil {
		d.log.Warn("power-off record dropped", "err", err)
		return
	}
	d.emit(protocol.EventPower, span)
}

// wake sends a Wake-on-LAN magic packet for each MAC address to each of
// the local config's broadcast addresses: the fleet chooses whom to wake,
// the terminal's own config where the packets may go.
func (d *Daemon) wake(text string) error {
	macs, err := protocol.ParseWake(text)
	if err != nil {
		return err
	}
	sent := 0
	var errs []error
	for _, addr := range d.local.WakeBroadcast {
		if err := sendMagic(addr, macs); err != nil {
			errs = append(errs, err)
			continue
		}
		sent++
	}
	if sent == 0 {
		return fmt.Errorf("wake: no packet sent: %w", errors.Join(errs...))
	}
	d.log.Info("woke neighbours", "macs", len(macs), "to", d.local.WakeBroadcast)
	return nil
}

// sendMagic sends one magic packet per MAC to a UDP broadcast address.
func sendMagic(addr string, macs []net.HardwareAddr) error {
	raddr, err := net.ResolveUDPAddr("udp4", addr)
	if err != nil {
		return fmt.Errorf("wake: address %s: %w", addr, err)
	}
	conn, err := dialBroadcast(raddr)
	if err != nil {
		return fmt.Errorf("wake: %s: %w", addr, err)
	}
	defer conn.Close()
	for _, m := range macs {
		if _, err := conn.Write(protocol.MagicPacket(m)); err != nil {
			return fmt.Errorf("wake: send to %s: %w", addr, err)
		}
	}
	return nil
}
