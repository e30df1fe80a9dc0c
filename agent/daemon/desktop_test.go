package daemon

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"piste/agent/desktop"
	"piste/agent/localapi"
)

// TestDesktopFollowsTheSession: the visitor's choices reach the desktop
// during a session, and the end of the session resets it.
func TestDesktopFollowsTheSession(t *testing.T) {
	d := &Daemon{desktopCh: make(chan desktop.Settings, 1)}
	next := func() (desktop.Settings, bool) {
		select {
		case s := <-d.desktopCh:
			return s, true
		default:
			return desktop.Settings{}, false
		}
	}
	st := localapi.Status{State: localapi.StateIdle, Accessibility: localapi.Accessibility{TextScale: 150, Magnifier: true}}
	d.followDesktopLocked(st)
	_, sent := next()
	assert.False(t, sent, "no desktop between sessions: nothing to apply")

	st.State = localapi.StateActive
	d.followDesktopLocked(st)
	s, sent := next()
	assert.True(t, sent)
	assert.Equal(t, desktop.Settings{TextScale: 150, Magnifier: true}, s)

	st.Accessibility.ScreenReader = true
	d.followDesktopLocked(st)
	st.Accessibility.HighContrast = true
	d.followDesktopLocked(st)
	s, _ = next()
	assert.Equal(t, desktop.Settings{TextScale: 150, HighContrast: true, Magnifier: true, ScreenReader: true}, s, "only the newest waits")

	st.State = localapi.StateEnding
	d.followDesktopLocked(st)
	s, sent = next()
	assert.True(t, sent)
	assert.True(t, s.IsDefault(), "the end of the session resets the desktop")
}
