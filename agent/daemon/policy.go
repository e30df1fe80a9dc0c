package daemon

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"piste/agent/config"
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

// applyPolicy takes a policy frame's body: validated, checked against the
// local config, saved, then in force. A policy that is invalid or asks for
// more than this terminal allows is refused whole, the last good one stays,
// and the fleet is told why.
func (d *Daemon) applyPolicy(raw json.RawMessage) {
	p, err := policy.DecodeJSON(raw)
	if err == nil {
		err = d.local.Allow(p)
	}
	if err != nil {
		d.log.Error("policy from the fleet refused; keeping the last one", "err", err)
		d.reportPolicy(protocol.PolicyResult{Status: protocol.PolicyRefused, Key: refusedKey(err), Error: err.Error()})
		return
	}
	if err := savePolicy(d.opts.StateDir, p); err != nil {
		d.log.Error("policy not saved; it applies until the agent restarts", "err", err)
	}
	d.session.SetPolicy(p)
	d.log.Info("policy applied", "kiosk_user", p.Session.KioskUser, "max_minutes", p.Session.MaxMinutes, "offline", p.Session.Offline)
	d.reportPolicy(protocol.PolicyResult{Status: protocol.PolicyApplied})
}

// startPolicy is the policy the agent starts under: the saved one, or the
// defaults, narrowed to what the local config allows when the config has
// changed since (the fleet hears of it, and its next policy replaces it).
func (d *Daemon) startPolicy(p policy.Policy) policy.Policy {
	err := d.local.Allow(p)
	if err == nil {
		return p
	}
	fitted := d.local.Fit(p)
	if _, serr := os.Stat(filepath.Join(d.opts.StateDir, PolicyFile)); serr != nil {
		// No policy from the fleet yet: the shipped defaults take the
		// config's account and paths, and the fleet's policy follows.
		d.log.Info("running under the defaults with the local config's account and paths until the fleet sends a policy",
			"kiosk_user", fitted.Session.KioskUser, "skeleton", fitted.Wipe.Skeleton)
		return fitted
	}
	d.log.Warn("saved policy is not allowed by the local config; running with its accounts and paths narrowed to the config's",
		"err", err, "kiosk_user", fitted.Session.KioskUser, "skeleton", fitted.Wipe.Skeleton)
	d.reportPolicy(protocol.PolicyResult{Status: protocol.PolicyRefused, Key: refusedKey(err), Error: err.Error()})
	return fitted
}

// reportPolicy tells the fleet the outcome of a policy, once per change of
// outcome: the fleet resends the same policy on every connect.
func (d *Daemon) reportPolicy(r protocol.PolicyResult) {
	if len(r.Error) > protocol.MaxPolicyError {
		r.Error = strings.ToValidUTF8(r.Error[:protocol.MaxPolicyError-3], "") + "..."
	}
	d.mu.Lock()
	same := d.policyReport == r.Status+r.Error
	d.policyReport = r.Status + r.Error
	d.mu.Unlock()
	if !same {
		d.emit(protocol.EventPolicyResult, r)
	}
}

// refusedKey is the policy key a refusal is about, when it names one.
func refusedKey(err error) string {
	var r *config.Refusal
	if errors.As(err, &r) {
		return r.Key
	}
	var pe *policy.Error
	if errors.As(err, &pe) {
		return pe.Key
	}
	return ""
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
	case protocol.NoticeHelp:
		d.helpNotice(n.Data)
	default:
		if d.signage != nil && d.signage.HandleNotice(n) {
			return
		}
		d.log.Debug("notice ignored", "kind", n.Kind)
	}
}
