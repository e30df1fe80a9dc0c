package screens

import (
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"piste/agent/localapi"
	"piste/agent/localapi/localapitest"
	"piste/kiosk-ui/i18n"
)

func active(lang string, minutes int) localapi.Status {
	st := status(localapi.StateActive, lang)
	st.Session = session(minutes)
	return st
}

func TestSessionBarTimeLeft(t *testing.T) {
	tests := []struct {
		name string
		sess *localapi.Session
		want string
	}{
		{"minutes from end time", &localapi.Session{EndsAt: fixedNow.Add(42 * time.Minute)}, "Time left 42 min"},
		{"part minute rounds up", &localapi.Session{EndsAt: fixedNow.Add(41*time.Minute + 10*time.Second)}, "Time left 42 min"},
		{"last minute in seconds", &localapi.Session{EndsAt: fixedNow.Add(45 * time.Second)}, "Time left 45 s"},
		{"past end", &localapi.Session{EndsAt: fixedNow.Add(-time.Minute)}, "Time left 0 s"},
		{"no end time", &localapi.Session{MinutesLeft: 7, SecondsLeft: 420}, "Time left 7 min"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := status(localapi.StateActive, "en")
			st.Session = tc.sess
			f := newFixture(t, st)
			b := NewSessionBar(f.env)
			f.show(b, st, desktop)
			assert.Equal(t, tc.want, b.timeLeft.Text)
		})
	}
}

func TestSessionBarTickCountsDown(t *testing.T) {
	now := fixedNow
	st := active("fi", 2)
	f := newFixture(t, st)
	f.env.Now = func() time.Time { return now }
	b := NewSessionBar(f.env)
	f.show(b, st, desktop)
	assert.Equal(t, "Aikaa jäljellä 2 min", b.timeLeft.Text)
	now = now.Add(90 * time.Second)
	b.Tick()
	assert.Equal(t, "Aikaa jäljellä 30 s", b.timeLeft.Text)
}

func TestSessionBarEndAsksFirst(t *testing.T) {
	st := active("en", 30)
	f := newFixture(t, st)
	b := NewSessionBar(f.env)
	f.show(b, st, desktop)
	resized := 0
	b.OnResize = func() { resized++ }

	f.tap(b.end)
	require.True(t, b.confirm.obj.Visible())
	assert.Equal(t, b.confirm.no, f.win.Canvas().Focused(), "the safe answer has the focus")
	assert.Equal(t, "Do you want to log out?", b.confirm.title.Text)
	f.tap(b.confirm.no)
	assert.False(t, b.confirm.obj.Visible())
	assert.Equal(t, b.end, f.win.Canvas().Focused())
	time.Sleep(20 * time.Millisecond)
	assert.Empty(t, f.ctl.Calls(), "no means no")

	f.tap(b.end)
	f.tap(b.confirm.yes)
	assert.Equal(t, []localapitest.Call{{Method: "End"}}, f.calls(1))
	assert.Equal(t, 3, resized, "each panel change resizes the compact window")
}

func TestSessionBarAccessibilityPanel(t *testing.T) {
	st := active("en", 30)
	f := newFixture(t, st)
	b := NewSessionBar(f.env)
	f.show(b, st, desktop)
	require.False(t, b.panel.Visible())
	f.tap(b.a11y)
	require.True(t, b.panel.Visible())
	f.tap(b.controls.larger)
	assert.Equal(t, localapi.Accessibility{TextScale: 125}, f.calls(1)[0].Arg)
	f.tap(b.a11y)
	assert.False(t, b.panel.Visible())
}

func TestSessionBarFocusOrder(t *testing.T) {
	st := active("en", 30)
	st.State = localapi.StateWarning
	f := newFixture(t, st)
	b := NewSessionBar(f.env)
	f.show(b, st, desktop)
	want := []fyne.Focusable{b.help.button, b.a11y, b.end, b.warning.extend, b.help.button}
	for i, w := range want {
		test.FocusNext(f.win.Canvas())
		assert.Equal(t, w, f.win.Canvas().Focused(), "step %d", i)
	}
}

func TestWarning(t *testing.T) {
	tests := []struct {
		name       string
		state      localapi.State
		canExtend  bool
		closing    bool
		wantShown  bool
		wantExtend bool
		wantKey    string
	}{
		{"active has no warning", localapi.StateActive, true, false, false, false, ""},
		{"warning with extend", localapi.StateWarning, true, false, true, true, "warning.text"},
		{"warning without extend", localapi.StateWarning, false, false, true, false, "warning.text"},
		{"closing time", localapi.StateWarning, false, true, true, false, "warning.closing"},
	}
	for _, tc := range tests {
		for _, lang := range i18n.Languages {
			t.Run(tc.name+"/"+lang, func(t *testing.T) {
				st := active(lang, 5)
				st.State = tc.state
				st.Session.CanExtend = tc.canExtend
				st.Session.EndsAtClosing = tc.closing
				f := newFixture(t, st)
				b := NewSessionBar(f.env)
				f.show(b, st, desktop)
				assert.Equal(t, tc.wantShown, b.warning.Object().Visible())
				assert.Equal(t, tc.wantExtend, b.warning.Object().Visible() && b.warning.extend.Visible())
				if tc.wantKey != "" {
					assert.Equal(t, i18n.T(lang, tc.wantKey, 5), b.warning.text.Text)
				}
			})
		}
	}
}

func TestWarningExtend(t *testing.T) {
	st := active("en", 5)
	st.State = localapi.StateWarning
	f := newFixture(t, st)
	b := NewSessionBar(f.env)
	f.show(b, st, desktop)
	f.tap(b.warning.extend)
	assert.Equal(t, []localapitest.Call{{Method: "Extend"}}, f.calls(1))

	f.ctl.RefuseNext("Extend", &localapi.Refusal{Code: localapi.RefusalReserved})
	f.q.WaitFor(t, "extend enabled", func() bool { return !b.warning.extend.Disabled() })
	f.tap(b.warning.extend)
	f.q.WaitFor(t, "refusal", func() bool { return b.warning.problem.Visible() })
	assert.Equal(t, i18n.T("en", "refusal.reserved"), b.warning.problem.Text)
}
