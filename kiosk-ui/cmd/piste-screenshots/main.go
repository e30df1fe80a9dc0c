// Command piste-screenshots renders every kiosk screen in every language at
// 100 % and 200 % text into PNG files, with fyne's software test driver, so
// it needs no display: docs/screenshots/<screen>-<lang>-<scale>.png.
package main

import (
	"flag"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"piste/agent/localapi"
	"piste/fleet/protocol"
	kioskapp "piste/kiosk-ui/app"
	"piste/kiosk-ui/i18n"
	"piste/kiosk-ui/internal/uitest"
)

func main() {
	out := flag.String("out", "docs/screenshots", "directory for the PNG files")
	flag.Parse()
	if err := run(*out); err != nil {
		fmt.Fprintln(os.Stderr, "piste-screenshots:", err)
		os.Exit(1)
	}
}

// now is the clock of every screenshot, so they change only when the UI does.
var now = time.Date(2025, 3, 14, 10, 0, 0, 0, time.Local)

// shot is one screen in one state.
type shot struct {
	name   string
	status func(lang string) localapi.Status
}

func shots() []shot {
	base := func(state localapi.State, lang string) localapi.Status {
		return localapi.Status{State: state, Language: lang, Version: "screenshots"}
	}
	sess := func(minutes int, canExtend bool) *localapi.Session {
		return &localapi.Session{ID: "s", Kind: protocol.SessionCard, StartedAt: now.Add(-time.Hour),
			EndsAt: now.Add(time.Duration(minutes) * time.Minute), CanExtend: canExtend}
	}
	return []shot{
		{"welcome", func(l string) localapi.Status { return base(localapi.StateIdle, l) }},
		{"welcome-reserved-refused", func(l string) localapi.Status {
			st := base(localapi.StateIdle, l)
			st.Reservation = &localapi.Reservation{From: now.Add(4 * time.Hour), Until: now.Add(5 * time.Hour), CardHint: "1234"}
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
			st.Help = &localapi.Help{ID: "h", Status: "claimed", Helper: "Aino"}
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
	}
}

func run(out string) error {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", out, err)
	}
	if err := playerShots(out); err != nil {
		return err
	}
	for _, s := range shots() {
		for _, lang := range i18n.Languages {
			for _, scale := range []int{100, 200} {
				st := s.status(lang)
				st.Accessibility = localapi.Accessibility{TextScale: scale}
				path := filepath.Join(out, fmt.Sprintf("%s-%s-%d.png", s.name, lang, scale))
				if err := render(path, st); err != nil {
					return err
				}
			}
		}
	}
	// One high-contrast example per screen kind is enough to review the colours.
	for _, s := range []string{"welcome", "warning"} {
		for _, sh := range shots() {
			if sh.name != s {
				continue
			}
			st := sh.status("fi")
			st.Accessibility = localapi.Accessibility{TextScale: 200, HighContrast: true}
			if err := render(filepath.Join(out, s+"-fi-200-contrast.png"), st); err != nil {
				return err
			}
		}
	}
	return nil
}

// render shows st in a fresh test app and writes the window as a PNG.
func render(path string, st localapi.Status) error {
	a := test.NewApp()
	defer a.Quit()
	win := a.NewWindow("")
	size := fyne.NewSize(1280, 800)
	if st.Accessibility.TextScale > 100 {
		size = fyne.NewSize(1920, 1080)
	}
	// The agent is never asked anything here: no tap happens.
	agent := localapi.NewClient(filepath.Join(os.TempDir(), "piste-screenshots-none.sock"))
	ui := kioskapp.New(a, win, agent, kioskapp.Options{WindowSize: size, MaxBarWidth: size.Width,
		Do: func(f func()) { f() }, Now: func() time.Time { return now }})
	ui.Show(st)
	// The test driver lays out only on resize; settle wrapped text and the
	// compact window's height as the real driver does frame by frame.
	for range 3 {
		uitest.Relayout(win.Content())
		ui.Fit()
	}
	uitest.Relayout(win.Content())
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	defer f.Close()
	if err := png.Encode(f, win.Canvas().Capture()); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}
