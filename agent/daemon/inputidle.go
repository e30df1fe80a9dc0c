package daemon

import (
	"context"
	"time"

	"piste/agent/inputidle"
)

// inputPoll is how often the visitor's input idle time is read; input
// within the last poll counts as activity.
const inputPoll = time.Second

// watchInput touches the session's idle clock whenever the visitor's
// display has seen keyboard or mouse input since the last look. A display
// that is not there (between sessions, while the display manager starts a
// new one) is tried again at the next poll.
func (d *Daemon) watchInput(ctx context.Context) {
	src := &inputidle.X11{Display: d.opts.IdleDisplay}
	defer src.Close()
	t := time.NewTicker(inputPoll)
	defer t.Stop()
	failing := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		idle, err := src.Idle()
		if err != nil {
			if !failing {
				d.log.Info("visitor input idle time unavailable; trying again", "display", d.opts.IdleDisplay, "err", err)
			}
			failing = true
			continue
		}
		if failing {
			d.log.Info("visitor input idle time read", "display", d.opts.IdleDisplay)
			failing = false
		}
		if idle < inputPoll {
			d.session.Touch()
		}
	}
}
