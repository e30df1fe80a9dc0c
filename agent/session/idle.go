package session

import (
	"time"

	"piste/agent/localapi"
)

// IdleWarning is the least time the idle warning shows before a session
// ends for idleness.
const IdleWarning = localapi.IdleWarningSeconds * time.Second

// Touch records visitor activity for the idle logout; it takes down an
// idle warning.
func (m *Machine) Touch() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.touchLocked(m.cfg.Clock.Now())
}

func (m *Machine) touchLocked(now time.Time) {
	m.activity = now
	if !m.idleWarned.IsZero() {
		m.idleWarned = time.Time{}
		m.publishLocked(false)
	}
}

// StillHere is the visitor's answer to the idle warning: the idle clock
// starts again. It is refused when no session runs.
func (m *Machine) StillHere() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.sess == nil || !inSession(m.state) {
		return &localapi.Refusal{Code: localapi.RefusalUnavailable, Message: "no session is running"}
	}
	m.touchLocked(m.cfg.Clock.Now())
	return nil
}

// idleEndLocked is when the running session ends for idleness: idle_logout_minutes
// after the last activity, but never before the warning has shown for
// IdleWarning. It starts the warning when its time has come.
func (m *Machine) idleEndLocked(now time.Time) (end time.Time, warned bool) {
	end = m.activity.Add(minutes(m.pol.Session.IdleLogoutMinutes))
	if m.idleWarned.IsZero() && !now.Before(end.Add(-IdleWarning)) {
		m.idleWarned = now
		m.log.Info("idle warning shown", "session", m.sess.id, "idle_end", end.Format(time.RFC3339))
	}
	if m.idleWarned.IsZero() {
		return end, false
	}
	return m.warnedIdleEnd(), true
}

// warnedIdleEnd is the idle end once the warning shows.
func (m *Machine) warnedIdleEnd() time.Time {
	end := m.activity.Add(minutes(m.pol.Session.IdleLogoutMinutes))
	if shown := m.idleWarned.Add(IdleWarning); shown.After(end) {
		return shown
	}
	return end
}

func (m *Machine) idleEndedLocked(now time.Time) bool {
	end, warned := m.idleEndLocked(now)
	return warned && !now.Before(end)
}
