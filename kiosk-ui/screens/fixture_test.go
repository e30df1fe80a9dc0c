package screens

import (
	"fmt"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"github.com/stretchr/testify/require"

	"piste/agent/localapi"
	"piste/agent/localapi/localapitest"
	"piste/fleet/protocol"
	"piste/kiosk-ui/internal/uitest"
	kiosktheme "piste/kiosk-ui/theme"
)

// fixedNow is the tests' clock: 10:00 local time.
var fixedNow = time.Date(2025, 3, 14, 10, 0, 0, 0, time.Local)

// fixture is a screen under test wired to a scripted agent over a real
// unix socket, so every intent travels UI → Client → socket → controller.
type fixture struct {
	t   *testing.T
	q   *uitest.Queue
	ctl *localapitest.Scripted
	env *Env
	win fyne.Window
}

func newFixture(t *testing.T, st localapi.Status) *fixture {
	t.Helper()
	test.NewTempApp(t)
	test.ApplyTheme(t, kiosktheme.New(st.Accessibility))
	ctl := localapitest.NewScripted(st)
	_, cl := localapitest.Start(t, ctl)
	q := uitest.NewQueue()
	return &fixture{t: t, q: q, ctl: ctl, env: &Env{Agent: cl, Do: q.Do, Now: func() time.Time { return fixedNow }}}
}

// show puts s in a window of the given size and shows st on it.
func (f *fixture) show(s Screen, st localapi.Status, size fyne.Size) {
	f.win = test.NewWindow(s.Object())
	f.win.SetPadded(false) // as the app: the screens pad themselves
	f.t.Cleanup(f.win.Close)
	f.win.Resize(size)
	s.Update(st)
}

// calls waits for n intents and returns them.
func (f *fixture) calls(n int) []localapitest.Call {
	f.t.Helper()
	calls := f.ctl.WaitCalls(f.t, n)
	f.q.Drain()
	return calls
}

// tap taps b after checking a visitor could: it is shown and enabled.
func (f *fixture) tap(b *Button) {
	f.t.Helper()
	require.True(f.t, b.Visible(), "button %q is hidden", b.Text)
	require.False(f.t, b.Disabled(), "button %q is disabled", b.Text)
	test.Tap(b)
}

func status(state localapi.State, lang string) localapi.Status {
	return localapi.Status{State: state, Language: lang, Version: "test",
		Accessibility: localapi.Accessibility{TextScale: 100}}
}

func session(minutesLeft int) *localapi.Session {
	return &localapi.Session{ID: "s1", Kind: protocol.SessionCard, StartedAt: fixedNow.Add(-time.Hour),
		EndsAt: fixedNow.Add(time.Duration(minutesLeft) * time.Minute), MinutesLeft: minutesLeft,
		SecondsLeft: minutesLeft * 60, CanExtend: true}
}

var desktop = fyne.NewSize(1280, 800)

func describe(o fyne.CanvasObject) string {
	switch w := o.(type) {
	case *Button:
		return "button:" + w.Text
	case *Entry:
		return fmt.Sprintf("entry:%p", w)
	case *Check:
		return "check:" + w.Text
	}
	return fmt.Sprintf("%T", o)
}
