package daemon

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"piste/fleet/protocol"
	"piste/internal/atomicfile"
	"piste/policies/policy"
)

// PolicyFile is the last policy the fleet sent, kept in the state dir so
// that the terminal runs under it while the fleet is unreachable.
const PolicyFile = "policy.json"

// loadPolicy reads the saved policy; the shipped defaults stand in until
// the fleet has sent one. A damaged file is reported and replaced by the
// defaults rather than stopping the agent: the fleet resends on connect.
func loadPolicy(dir string) (policy.Policy, error) {
	data, err := os.ReadFile(filepath.Join(dir, PolicyFile))
	if errors.Is(err, os.ErrNotExist) {
		return policy.Defaults(), nil
	}
	if err != nil {
		return policy.Defaults(), fmt.Errorf("policy: read %s: %w", PolicyFile, err)
	}
	p, err := policy.DecodeJSON(data)
	if err != nil {
		return policy.Defaults(), fmt.Errorf("policy: saved %s is unusable, running under the defaults until the fleet sends one: %w", PolicyFile, err)
	}
	return p, nil
}

// savePolicy replaces the saved policy atomically, so a power cut leaves
// the old or the new one.
func savePolicy(dir string, p policy.Policy) error {
	data, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return fmt.Errorf("policy: encode: %w", err)
	}
	if err := atomicfile.Write(filepath.Join(dir, PolicyFile), append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("policy: %w", err)
	}
	return nil
}

// applyPolicy takes a policy frame's body: validated, saved, then in force.
// An invalid policy is refused whole and the last good one stays.
func (d *Daemon) applyPolicy(raw json.RawMessage) {
	p, err := policy.DecodeJSON(raw)
	if err != nil {
		d.log.Error("policy from the fleet refused; keeping the last one", "err", err)
		return
	}
	if err := savePolicy(d.opts.StateDir, p); err != nil {
		d.log.Error("policy not saved; it applies until the agent restarts", "err", err)
	}
	d.session.SetPolicy(p)
	d.log.Info("policy applied", "kiosk_user", p.Session.KioskUser, "max_minutes", p.Session.MaxMinutes, "offline", p.Session.Offline)
}

// notice acts on a notice frame.
func (d *Daemon) notice(n protocol.Notice) {
	switch n.Kind {
	case protocol.NoticeReservation:
		var rn protocol.ReservationNotice
		if err := json.Unmarshal(n.Data, &rn); err != nil {
			d.log.Warn("reservation notice ignored", "err", err)
			return
		}
		d.session.SetReservation(rn.Reservation)
	default:
		d.log.Debug("notice ignored", "kind", n.Kind)
	}
}
