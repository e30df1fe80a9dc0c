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
			st.Help = &localapi.Help{ID: "h", Status: "claimed", Volunteer: "Aino Virtanen"}
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

// display is a screen size and text scale the kiosk is promised to work
// at: at 100 % every screen fits the small 1280×720 without scrolling; at
// larger text the full screens may scroll, but nothing is cut off.
type display struct {
	size   fyne.Size
	scale  int
	scroll bool
}

var displays = []display{
	{fyne.NewSize(1280, 720), 100, false},
	{fyne.NewSize(1280, 720), 150, true},
	{fyne.NewSize(1280, 720), 200, true},
	{fyne.NewSize(1920, 1080), 200, true},
}

func TestNothingIsClipped(t *testing.T) {
	for _, sc := range scenarios() {
		for _, lang := range i18n.Languages {
			for _, d := range displays {
				t.Run(fmt.Sprintf("%s/%s/%d/%.0fx%.0f", sc.name, lang, d.scale, d.size.Width, d.size.Height), func(t *testing.T) {
					st := sc.state(lang)
					st.Accessibility = localapi.Accessibility{TextScale: d.scale, HighContrast: d.scale == 200}
					f := newFixture(t, st)
					s := sc.build(f.env)
					f.show(s, st, d.size)
					if sc.open != nil {
						sc.open(s)
					}
					size := d.size
					if bar, ok := s.(*SessionBar); ok {
						bar.MaxHeight = d.size.Height * 2 / 3 // as the app sets it
						// The compact window is as wide as the bar wants, up to the screen.
						size = fyne.NewSize(min(bar.PreferredWidth(), size.Width), size.Height)
						size.Height = uitest.FitHeight(s.Object(), size.Width)
						limit := d.size.Height / 2
						if sc.open != nil || d.scale > 100 {
							limit = d.size.Height * 2 / 3 // while the visitor works in a panel, or reads large text; it scrolls beyond
						}
						assert.LessOrEqual(t, size.Height, limit, "the bar takes too much of the screen")
					}
					f.win.Resize(size)
					uitest.Relayout(f.win.Content())
					assertFits(t, f.win, d.scroll)
				})
			}
		}
	}
}

// assertFits fails for any control or text smaller than it needs, or
// outside the window on the right; and, unless scrolling is allowed,
// outside it at the bottom or in a scroll view that would have to scroll.
func assertFits(t *testing.T, win fyne.Window, scrolls bool) {
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
			if !scrolls {
				assert.LessOrEqual(t, pos.Y+size.Height, canvasSize.Height+0.5, "%s sticks out at the bottom", name)
			}
		case *container.Scroll:
			assert.LessOrEqual(t, w.Content.MinSize().Width, w.Size().Width+0.5, "the screen is cut off on the right")
			if !scrolls {
				assert.LessOrEqual(t, w.Content.MinSize().Height, w.Size().Height+0.5, "the screen would need scrolling")
			}
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
