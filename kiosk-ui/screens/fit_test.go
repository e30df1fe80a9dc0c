package screens

import (
	"fmt"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
	"github.com/stretchr/testify/assert"

	"piste/agent/localapi"
	"piste/kiosk-ui/i18n"
	"piste/kiosk-ui/internal/uitest"
)

// scenario is one screen in one state, with everything it can show shown.
type scenario struct {
	name  string
	build func(env *Env) Screen
	state func(lang string) localapi.Status
	open  func(s Screen) // opens panels a visitor can open
}

// longest is a status that makes each screen as full as it gets.
func scenarios() []scenario {
	full := func(state localapi.State) func(string) localapi.Status {
		return func(lang string) localapi.Status {
			st := status(state, lang)
			st.Session = session(4)
			st.Session.EndsAtClosing = false
			st.Reservation = &localapi.Reservation{From: fixedNow.Add(4 * time.Hour), Until: fixedNow.Add(5 * time.Hour), CardHint: "1234"}
			st.Refusal = &localapi.Refusal{Code: localapi.RefusalLockedOut, RetryAfterSeconds: 600}
			st.Help = &localapi.Help{ID: "h", Status: "claimed", Helper: "Aino Virtanen"}
			st.Reason = localapi.ReasonAgentUnreachable
			return st
		}
	}
	return []scenario{
		{"welcome", func(e *Env) Screen { return NewWelcome(e) }, full(localapi.StateIdle), nil},
		{"welcome-reserve", func(e *Env) Screen { return NewWelcome(e) }, full(localapi.StateIdle),
			func(s Screen) {
				r := s.(*Welcome).reserve
				r.Open()
				r.say(false, func(lang string) string { return i18n.T(lang, "reserve.closed") })
			}},
		{"session", func(e *Env) Screen { return NewSessionBar(e) }, full(localapi.StateWarning), nil},
		{"session-controls", func(e *Env) Screen { return NewSessionBar(e) }, full(localapi.StateWarning),
			func(s Screen) { s.(*SessionBar).toggleControls() }},
		{"session-confirm", func(e *Env) Screen { return NewSessionBar(e) }, full(localapi.StateWarning),
			func(s Screen) { s.(*SessionBar).askEnd() }},
		{"ending", func(e *Env) Screen { return NewEnding() }, full(localapi.StateEnding), nil},
		{"wiping", func(e *Env) Screen { return NewEnding() }, full(localapi.StateWiping), nil},
		{"out_of_service", func(e *Env) Screen { return NewOutOfService() }, full(localapi.StateOutOfService), nil},
		{"message", func(e *Env) Screen { return NewMessage(e) }, func(lang string) localapi.Status {
			st := status(localapi.StateIdle, lang)
			st.Message = &localapi.Message{ID: "m", Text: "The library closes at 16:00 today because of a staff training day. Please save your work in time."}
			return st
		}, nil},
	}
}

// screenFor is the smallest display each text scale is promised to fit:
// the common 1280×800 at 100 %, and a full-HD screen at 200 %.
func screenFor(scale int) fyne.Size {
	if scale > 100 {
		return fyne.NewSize(1920, 1080)
	}
	return fyne.NewSize(1280, 800)
}

func TestNothingIsClipped(t *testing.T) {
	for _, sc := range scenarios() {
		for _, lang := range i18n.Languages {
			for _, scale := range []int{100, 150, 200} {
				t.Run(fmt.Sprintf("%s/%s/%d", sc.name, lang, scale), func(t *testing.T) {
					st := sc.state(lang)
					st.Accessibility = localapi.Accessibility{TextScale: scale, HighContrast: scale == 200}
					f := newFixture(t, st)
					s := sc.build(f.env)
					f.show(s, st, screenFor(scale))
					if sc.open != nil {
						sc.open(s)
					}
					size := screenFor(scale)
					if bar, ok := s.(*SessionBar); ok {
						// The compact window is as wide as the bar wants, up to the screen.
						size = fyne.NewSize(min(bar.PreferredWidth(), size.Width), size.Height)
						size.Height = uitest.FitHeight(s.Object(), size.Width)
						limit := screenFor(scale).Height / 2
						if sc.open != nil {
							limit = screenFor(scale).Height * 2 / 3 // while the visitor works in a panel
						}
						assert.LessOrEqual(t, size.Height, limit, "the bar takes too much of the screen")
					}
					f.win.Resize(size)
					uitest.Relayout(f.win.Content())
					assertFits(t, f.win)
				})
			}
		}
	}
}

// assertFits fails for any control or text smaller than it needs, outside
// the window, or a scroll view that would have to scroll.
func assertFits(t *testing.T, win fyne.Window) {
	t.Helper()
	canvasSize := win.Canvas().Size()
	checked := 0
	uitest.Walk(win.Content(), func(o fyne.CanvasObject, pos fyne.Position) {
		switch w := o.(type) {
		case *widget.Label, *Button, *Entry, *Check:
			checked++
			name := describe(o)
			if l, ok := w.(*widget.Label); ok {
				name = "label:" + l.Text
				if l.Text == "" {
					return
				}
			}
			min, size := o.MinSize(), o.Size()
			assert.GreaterOrEqual(t, size.Width+0.5, min.Width, "%s is narrower than its text", name)
			assert.GreaterOrEqual(t, size.Height+0.5, min.Height, "%s is shorter than its text", name)
			assert.LessOrEqual(t, pos.X+size.Width, canvasSize.Width+0.5, "%s sticks out on the right", name)
			assert.LessOrEqual(t, pos.Y+size.Height, canvasSize.Height+0.5, "%s sticks out at the bottom", name)
		case *container.Scroll:
			assert.LessOrEqual(t, w.Content.MinSize().Height, w.Size().Height+0.5, "the screen would need scrolling")
		}
	})
	assert.Positive(t, checked, "found nothing to check")
}

func TestFullScreensScrollRatherThanClipOnSmallDisplays(t *testing.T) {
	st := status(localapi.StateIdle, "fi")
	st.Accessibility.TextScale = 200
	f := newFixture(t, st)
	w := NewWelcome(f.env)
	f.show(w, st, fyne.NewSize(800, 600))
	uitest.Relayout(w.Object())
	scroll, ok := w.Object().(*container.Scroll)
	if assert.True(t, ok, "full screens sit in a scroll view") {
		assert.Greater(t, scroll.Content.MinSize().Height, scroll.Size().Height, "the test display must be too small")
	}
}
