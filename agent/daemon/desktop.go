package daemon

import (
	"context"

	"piste/agent/desktop"
	"piste/agent/localapi"
)

// desktopFor is what the visitor's desktop should show for st: the
// visitor's choices during a session, the desktop's own look otherwise, so
// the end of a session resets it.
func desktopFor(st localapi.Status) desktop.Settings {
	switch st.State {
	case localapi.StateActive, localapi.StateWarning:
		a := st.Accessibility
		return desktop.Settings{TextScale: a.TextScale, HighContrast: a.HighContrast, Magnifier: a.Magnifier, ScreenReader: a.ScreenReader}
	}
	return desktop.Settings{}
}

// followDesktopLocked hands a change of the desktop's settings to the
// goroutine that applies them; only the newest waits.
func (d *Daemon) followDesktopLocked(st localapi.Status) {
	if d.desktopCh == nil {
		return
	}
	want := desktopFor(st)
	if want == d.desktopSet {
		return
	}
	d.desktopSet = want
	select {
	case <-d.desktopCh:
	default:
	}
	d.desktopCh <- want
}

// runDesktop applies the visitor's desktop settings until ctx ends.
func (d *Daemon) runDesktop(ctx context.Context) {
	for {
		select {
		case s := <-d.desktopCh:
			user := d.session.Policy().Session.KioskUser
			if err := d.opts.Desktop.Apply(user, s); err != nil {
				d.log.Error("agent: apply the visitor's desktop settings", "user", user, "err", err)
			}
		case <-ctx.Done():
			return
		}
	}
}
