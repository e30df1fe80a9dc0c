// Package shots renders the kiosk's screens through the real app (the
// same kioskapp.UI the kiosk runs) with fyne's software test driver: the
// screenshots in docs/ and the golden images the tests compare against.
package shots

import (
	"image"
	"os"
	"path/filepath"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"piste/agent/localapi"
	"piste/fleet/protocol"
	kioskapp "piste/kiosk-ui/app"
	"piste/kiosk-ui/internal/uitest"
)

// Display is the smallest display the kiosk is promised to work on, at
// every text size (a full screen scrolls rather than cuts off at 200 %).
var Display = fyne.NewSize(1280, 720)

// Now is the clock of every screenshot, so they change only when the UI does.
var Now = time.Date(2025, 3, 14, 10, 0, 0, 0, time.Local)

// Shot is one screen in one state.
type Shot struct {
	Name   string
	Status func(lang string) localapi.Status
}

// All returns every screen in the states worth seeing.
func All() []Shot {
	base := func(state localapi.State, lang string) localapi.Status {
		return localapi.Status{State: state, Language: lang, Version: "screenshots", Library: "Kallion kirjasto"}
	}
	sess := func(minutes int, canExtend bool) *localapi.Session {
		return &localapi.Session{ID: "s", Kind: protocol.SessionCard, StartedAt: Now.Add(-time.Hour),
			EndsAt: Now.Add(time.Duration(minutes) * time.Minute), CanExtend: canExtend}
	}
	return []Shot{
		{"welcome", func(l string) localapi.Status { return base(localapi.StateIdle, l) }},
		{"welcome-reserved-refused", func(l string) localapi.Status {
			st := base(localapi.StateIdle, l)
			st.Reservation = &localapi.Reservation{From: Now.Add(4 * time.Hour), Until: Now.Add(5 * time.Hour), CardHint: "1234"}
			st.Refusal = &localapi.Refusal{Code: localapi.RefusalLockedOut, RetryAfterSeconds: 600}
			return st
		}},
		{"session", func(l string) localapi.Status {
			st := base(localapi.StateActive, l)
			st.Session = sess(42, true)
			return st
		}},
		{"session-help", func(l string) localapi.Status {
			st := base(localapi.StateActive, l)
			st.Session = sess(42, true)
			st.Help = &localapi.Help{ID: "h", Status: "claimed", Source: protocol.HelpFromSession, Volunteer: "Aino",
				Messages: []protocol.HelpMessage{{From: protocol.FromVolunteer, Text: "Hei! / Hej! / Hi! 2 min", At: Now}}}
			return st
		}},
		{"warning", func(l string) localapi.Status {
			st := base(localapi.StateWarning, l)
			st.Session = sess(5, true)
			return st
		}},
		{"warning-closing", func(l string) localapi.Status {
			st := base(localapi.StateWarning, l)
			st.Session = sess(5, false)
			st.Session.EndsAtClosing = true
			return st
		}},
		{"idle", func(l string) localapi.Status {
			st := base(localapi.StateActive, l)
			st.Session = sess(30, true)
			st.Session.Idle = &localapi.IdleWarning{EndsAt: Now.Add(45 * time.Second), SecondsLeft: 45}
			return st
		}},
		{"ending", func(l string) localapi.Status { return base(localapi.StateEnding, l) }},
		{"wiping", func(l string) localapi.Status { return base(localapi.StateWiping, l) }},
		{"out-of-service", func(l string) localapi.Status {
			st := base(localapi.StateOutOfService, l)
			st.Reason = "locked"
			return st
		}},
		{"message", func(l string) localapi.Status {
			st := base(localapi.StateIdle, l)
			st.Message = &localapi.Message{ID: "m", Text: "The library closes at 16:00 today. / Kirjasto sulkeutuu tänään klo 16. / Biblioteket stänger kl. 16 i dag."}
			return st
		}},
		{"welcome-help-nobody-on-duty", func(l string) localapi.Status {
			st := base(localapi.StateIdle, l)
			st.HelpSupport = &localapi.HelpSupport{Topics: []string{"email", "eservices", "printing", "device", "forms", "other"},
				NextFrom: Now.Add(26 * time.Hour), NextUntil: Now.Add(29 * time.Hour)}
			return st
		}},
	}
}

// Render shows st in a fresh test app, through the kiosk's own UI, on a
// display of the given size, and returns what the visitor would see.
func Render(st localapi.Status, size fyne.Size) image.Image {
	a := test.NewApp()
	defer a.Quit()
	win := a.NewWindow("")
	// The agent is never asked anything here: no tap happens.
	agent := localapi.NewClient(filepath.Join(os.TempDir(), "piste-screenshots-none.sock"))
	ui := kioskapp.New(a, win, agent, kioskapp.Options{WindowSize: size, MaxBarWidth: size.Width, MaxBarHeight: size.Height * 2 / 3,
		Do: func(f func()) { f() }, Now: func() time.Time { return Now }})
	ui.Show(st)
	// The test driver lays out only on resize; settle wrapped text and the
	// compact window's height as the real driver does frame by frame.
	for range 3 {
		uitest.Relayout(win.Content())
		ui.Fit()
	}
	uitest.Relayout(win.Content())
	return win.Canvas().Capture()
}
