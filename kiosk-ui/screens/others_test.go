package screens

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"piste/agent/localapi"
	"piste/kiosk-ui/i18n"
)

func TestEnding(t *testing.T) {
	for _, lang := range i18n.Languages {
		st := status(localapi.StateEnding, lang)
		f := newFixture(t, st)
		e := NewEnding()
		f.show(e, st, desktop)
		assert.Equal(t, i18n.T(lang, "ending.title"), e.title.Text)
		st.State = localapi.StateWiping
		e.Update(st)
		assert.Equal(t, i18n.T(lang, "wiping.title"), e.title.Text)
		assert.Equal(t, i18n.T(lang, "wiping.text"), e.text.Text)
	}
}

func TestOutOfService(t *testing.T) {
	tests := []struct{ reason, key string }{
		{"locked", "oos.locked"},
		{"wipe_failed", "oos.wipe_failed"},
		{localapi.ReasonAgentUnreachable, "oos.agent_unreachable"},
		{ReasonStarting, "oos.starting"},
		{"", "oos.other"},
		{"disk_on_fire", "oos.other"},
	}
	for _, tc := range tests {
		for _, lang := range i18n.Languages {
			st := status(localapi.StateOutOfService, lang)
			st.Reason = tc.reason
			f := newFixture(t, st)
			o := NewOutOfService()
			f.show(o, st, desktop)
			assert.Equal(t, i18n.T(lang, "oos.title"), o.title.Text)
			assert.Equal(t, i18n.T(lang, tc.key), o.text.Text, "reason %q", tc.reason)
		}
	}
}

func TestMessage(t *testing.T) {
	st := status(localapi.StateIdle, "sv")
	f := newFixture(t, st)
	m := NewMessage(f.env)
	f.show(m, st, desktop)
	changes := 0
	m.OnChange = func() { changes++ }
	assert.False(t, m.Object().Visible())

	st.Message = &localapi.Message{ID: "m1", Text: "Biblioteket stänger kl. 20.", At: fixedNow}
	m.Update(st)
	assert.True(t, m.Object().Visible())
	assert.Equal(t, "Biblioteket stänger kl. 20.", m.text.Text)
	assert.Equal(t, i18n.T("sv", "message.title"), m.title.Text)
	assert.Equal(t, m.ok, f.win.Canvas().Focused(), "a new message takes the focus")

	f.tap(m.ok)
	assert.False(t, m.Object().Visible())
	m.Update(st)
	assert.False(t, m.Object().Visible(), "a dismissed message stays dismissed")

	st.Message = &localapi.Message{ID: "m2", Text: "Ny text", At: fixedNow.Add(time.Minute)}
	m.Update(st)
	assert.True(t, m.Object().Visible())
	st.Message = nil
	m.Update(st)
	assert.False(t, m.Object().Visible(), "a message the agent withdrew goes")
	assert.Equal(t, 4, changes)

	// A text per language: the visitor's, and the next one's after a switch.
	st.Message = &localapi.Message{ID: "m3", Texts: map[string]string{"fi": "Kirjasto sulkeutuu klo 16.00.", "sv": "Biblioteket stänger kl. 16.00."}}
	m.Update(st)
	assert.Equal(t, "Biblioteket stänger kl. 16.00.", m.text.Text)
	st.Language = "fi"
	m.Update(st)
	assert.Equal(t, "Kirjasto sulkeutuu klo 16.00.", m.text.Text)
	st.Language = "en"
	m.Update(st)
	assert.Equal(t, "Kirjasto sulkeutuu klo 16.00.", m.text.Text, "no English text: the first language that has one")
}

func TestControlsDoNotEchoAgentChanges(t *testing.T) {
	st := status(localapi.StateIdle, "en")
	f := newFixture(t, st)
	c := NewControls(f.env)
	f.show(c, st, desktop)
	st.Accessibility = localapi.Accessibility{TextScale: 200, HighContrast: true}
	c.Update(st)
	assert.True(t, c.contrast.Checked)
	assert.True(t, c.larger.Disabled(), "no larger than 200 %")
	assert.False(t, c.smaller.Disabled())
	time.Sleep(20 * time.Millisecond)
	assert.Empty(t, f.ctl.Calls(), "showing the agent's choice is not a new choice")
}

func TestControlsSendChoices(t *testing.T) {
	st := status(localapi.StateIdle, "fi")
	st.Accessibility.TextScale = 150
	f := newFixture(t, st)
	c := NewControls(f.env)
	f.show(c, st, desktop)

	f.tap(c.langs[1])
	f.tap(c.smaller)
	f.tap(c.larger)
	c.contrast.SetChecked(true)
	calls := f.calls(4)
	args := map[any]bool{}
	for _, call := range calls {
		args[call.Arg] = true
	}
	assert.True(t, args[localapi.LanguageRequest{Language: "sv"}])
	assert.True(t, args[localapi.Accessibility{TextScale: 125}])
	assert.True(t, args[localapi.Accessibility{TextScale: 175}])
	assert.True(t, args[localapi.Accessibility{TextScale: 150, HighContrast: true}])
}

func TestControlsRefusedChoiceIsUndone(t *testing.T) {
	st := status(localapi.StateIdle, "en")
	f := newFixture(t, st)
	c := NewControls(f.env)
	f.show(c, st, desktop)
	f.ctl.RefuseNext("SetAccessibility", &localapi.Refusal{Code: localapi.RefusalBusy})
	c.contrast.SetChecked(true)
	f.q.WaitFor(t, "refusal", func() bool { return c.problem.Visible() })
	assert.False(t, c.contrast.Checked, "the check mark follows the agent, not the tap")
	assert.Equal(t, i18n.T("en", "refusal.busy"), c.problem.Text)
}
