package session

import (
	"context"
	"fmt"

	"piste/agent/localapi"
	"piste/agent/wipe"
)

// stateError is an admin command refused in the current state.
type stateError struct{ msg string }

func (e *stateError) Error() string { return e.msg }

// Lock takes the terminal out of service (reason "locked"). A running
// session ends (trigger remote) and is wiped first; the terminal stays
// locked after the wipe.
func (m *Machine) Lock() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.hold == "" {
		m.hold = ReasonLocked
	}
	switch {
	case inSession(m.state) && m.sess != nil:
		m.endLocked(wipe.TriggerRemote)
	case m.wiping, m.reason == ReasonWipeFailed:
		// The wipe's outcome decides; a failed wipe outranks the lock.
	default:
		m.setLocked(localapi.StateOutOfService, m.hold)
	}
}

// OutOfService takes the terminal out of service for a reason only a new
// start lifts, such as a revoked token.
func (m *Machine) OutOfService(reason string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.hold = reason
	if inSession(m.state) && m.sess != nil {
		m.endLocked(wipe.TriggerRemote)
		return
	}
	if !m.wiping && m.reason != ReasonWipeFailed {
		m.setLocked(localapi.StateOutOfService, reason)
	}
}

// Unlock puts a locked terminal back in service. A terminal out of service
// because a wipe failed is unlocked only by a wipe that is verified now:
// Unlock runs that wipe (trigger remote) and fails if it is not verified,
// so an admin's "unlock" can never hand a dirty machine to a visitor.
func (m *Machine) Unlock(ctx context.Context) error {
	m.mu.Lock()
	if m.state != localapi.StateOutOfService {
		defer m.mu.Unlock()
		return &stateError{fmt.Sprintf("terminal is not out of service (state %s)", m.state)}
	}
	switch m.reason {
	case ReasonLocked:
		defer m.mu.Unlock()
		m.hold = ""
		m.setLocked(localapi.StateIdle, "")
		return nil
	case ReasonWipeFailed:
		if m.hold == ReasonLocked {
			m.hold = ""
		}
		m.mu.Unlock()
		return m.Wipe(ctx)
	}
	defer m.mu.Unlock()
	return &stateError{fmt.Sprintf("terminal is out of service for %q, which unlock does not lift", m.reason)}
}

// Wipe runs a wipe now (trigger remote) and waits for it: the admin's
// "wipe" command. A running session is ended first. The terminal returns
// to service only when the wipe is verified.
func (m *Machine) Wipe(ctx context.Context) error {
	done := make(chan wipe.Receipt, 1)
	m.mu.Lock()
	switch {
	case m.wiping || m.state == localapi.StateEnding:
		m.mu.Unlock()
		return &stateError{"a wipe is already running"}
	case m.state == localapi.StateAuthenticating:
		m.mu.Unlock()
		return &stateError{"a visitor is logging in; try again in a moment"}
	case inSession(m.state) && m.sess != nil:
		m.endAndWipeLocked(wipe.TriggerRemote, done)
	default:
		id := "wipe-" + randomID()
		if mk, found := readMarker(m.cfg.StateDir); found {
			id = mk.SessionID
		}
		m.startWipeLocked(id, "", wipe.TriggerRemote, done)
	}
	m.mu.Unlock()
	select {
	case r := <-done:
		return receiptError(r)
	case <-ctx.Done():
		return fmt.Errorf("session: waiting for the wipe: %w", ctx.Err())
	}
}

// receiptError is nil for a verified receipt and names its first failures
// otherwise.
func receiptError(r wipe.Receipt) error {
	if r.Verified {
		return nil
	}
	msg := "wipe not verified; the terminal stays out of service"
	for i, f := range r.Failures {
		if i == 3 {
			msg += fmt.Sprintf("; and %d more", len(r.Failures)-3)
			break
		}
		msg += "; " + f.String()
	}
	return &stateError{msg}
}
