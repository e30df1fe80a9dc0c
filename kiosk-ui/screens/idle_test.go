package screens

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"piste/agent/localapi"
	"piste/agent/localapi/localapitest"
	"piste/kiosk-ui/i18n"
)

func idleWarned(lang string, secs int) localapi.Status {
	st := active(lang, 30)
	st.Session.Idle = &localapi.IdleWarning{EndsAt: fixedNow.Add(time.Duration(secs) * time.Second), SecondsLeft: secs}
	return st
}

// When the agent warns of an idle end, the bar asks to be brought to the
// front, shows the seconds left and "I'm still here" with the focus on it,
// and the button tells the agent through the local API.
func TestSessionBarIdleWarning(t *testing.T) {
	st := active("en", 30)
	f := newFixture(t, st)
	now := fixedNow
	f.env.Now = func() time.Time { return now }
	b := NewSessionBar(f.env)
	attention, resized := 0, 0
	b.OnAttention = func() { attention++ }
	b.OnResize = func() { resized++ }
	f.show(b, st, desktop)
	assert.False(t, b.idle.Object().Visible(), "no warning while the visitor is active")
	assert.Zero(t, attention)

	b.Update(idleWarned("en", 60))
	require.True(t, b.idle.Object().Visible())
	assert.Equal(t, "Are you still there? You will be logged out in 60 seconds, and your data will be deleted.", b.idle.text.Text)
	assert.Equal(t, "I'm still here", b.idle.here.Text)
	assert.Equal(t, 1, attention, "the window is brought to the front")
	assert.Equal(t, 1, resized, "the compact window grows to show the warning")
	assert.Equal(t, b.idle.here, f.win.Canvas().Focused(), "the answer has the keyboard focus")

	now = now.Add(15 * time.Second)
	b.Tick()
	assert.Contains(t, b.idle.text.Text, "in 45 seconds", "the seconds count down between statuses")
	b.Update(idleWarned("en", 60))
	assert.Equal(t, 1, attention, "a warning already shown is not raised again")

	f.tap(b.idle.here)
	assert.Equal(t, []localapitest.Call{{Method: "StillHere"}}, f.calls(1))

	b.Update(active("en", 30))
	assert.False(t, b.idle.Object().Visible(), "the agent took the warning down")
	assert.Equal(t, 2, resized)
}

func TestSessionBarIdleWarningInEveryLanguage(t *testing.T) {
	for _, lang := range i18n.Languages {
		t.Run(lang, func(t *testing.T) {
			st := idleWarned(lang, 60)
			f := newFixture(t, st)
			b := NewSessionBar(f.env)
			f.show(b, st, desktop)
			assert.Equal(t, i18n.T(lang, "idle.text", 60), b.idle.text.Text)
			assert.Equal(t, i18n.T(lang, "idle.still_here"), b.idle.here.Text)
		})
	}
}

func TestSessionBarStillHereRefusedShowsWhy(t *testing.T) {
	st := idleWarned("fi", 20)
	f := newFixture(t, st)
	b := NewSessionBar(f.env)
	f.show(b, st, desktop)
	f.ctl.RefuseNext("StillHere", &localapi.Refusal{Code: localapi.RefusalUnavailable})
	f.tap(b.idle.here)
	f.q.WaitFor(t, "refusal shown", func() bool { return b.idle.problem.Visible() })
	assert.Equal(t, i18n.T("fi", "refusal.service_unavailable"), b.idle.problem.Text)
	assert.False(t, b.idle.here.Disabled(), "the visitor can try again")
}
