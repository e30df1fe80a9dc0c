package screens

import (
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"piste/agent/localapi"
	"piste/agent/localapi/localapitest"
	"piste/fleet/protocol"
	"piste/kiosk-ui/i18n"
)

func withSupport(st localapi.Status, onDuty int) localapi.Status {
	st.HelpSupport = &localapi.HelpSupport{OnDuty: onDuty, Topics: []string{"email", "printing", "library-app"}, InHours: onDuty > 0}
	return st
}

// A visitor asks for help from the session bar: topic, language and note
// go to the agent; then the queue place, who comes, the chat, withdrawing.
func TestHelpFromTheSessionBar(t *testing.T) {
	st := withSupport(active("en", 30), 1)
	f := newFixture(t, st)
	b := NewSessionBar(f.env)
	resized := 0
	b.OnResize = func() { resized++ }
	f.show(b, st, desktop)
	h := b.help

	f.tap(h.button)
	require.True(t, h.panel.Visible(), "the form opens")
	assert.Positive(t, resized, "the compact window grows for it")
	assert.Equal(t, []string{"E-mail", "Printing and scanning", "library-app"}, h.form.topic.Options, "the branch's topics, translated where known")
	assert.True(t, h.form.send.Disabled(), "a topic is needed first")
	assert.Equal(t, "English", h.form.language.Selected, "the screen's language by default")
	h.form.topic.SetSelected("Printing and scanning")
	h.form.language.SetSelected("Suomi")
	test.Type(h.form.note, "the printer <b>jams</b>")
	f.tap(h.form.send)
	assert.Equal(t, []localapitest.Call{{Method: "RequestHelp", Arg: localapi.HelpRequest{Topic: "printing", Language: "fi", Note: "the printer <b>jams</b>"}}}, f.calls(1))
	f.q.WaitFor(t, "the form closes once sent", func() bool { return !h.form.obj.Visible() })

	st.Help = &localapi.Help{ID: "h1", Status: protocol.HelpOpen, Source: protocol.HelpFromSession, Position: 2, EstimateSeconds: 290}
	b.Update(st)
	assert.Equal(t, "Help requested. A volunteer will come to you.", h.state.Text)
	assert.Equal(t, "My help request", h.button.Text)
	assert.False(t, h.panel.Visible(), "folded away: the bar stays compact")
	f.tap(h.button)
	require.True(t, h.panel.Visible())
	assert.Equal(t, "You are number 2 in the queue. The wait is about 5 minutes.", h.detail.Text)
	f.tap(h.cancel)
	assert.Equal(t, "CancelHelp", f.calls(2)[1].Method)

	st.Help = &localapi.Help{ID: "h1", Status: protocol.HelpClaimed, Source: protocol.HelpFromSession, Volunteer: "Anna",
		Messages: []protocol.HelpMessage{{From: protocol.FromVolunteer, Text: "<i>Tulen</i> heti", At: fixedNow}}}
	f.tap(h.button) // fold it
	b.Update(st)
	assert.Equal(t, "Anna is coming to help you.", h.state.Text)
	assert.True(t, h.panel.Visible(), "a message from the volunteer opens the panel")
	require.True(t, h.chat.obj.Visible())
	require.Len(t, h.chat.messages.Objects, 1)
	assert.Equal(t, "Anna: <i>Tulen</i> heti", h.chat.messages.Objects[0].(*widget.Label).Text, "shown as text")
}

func TestHelpChatAndClosing(t *testing.T) {
	st := withSupport(active("fi", 30), 1)
	st.Help = &localapi.Help{ID: "h1", Status: protocol.HelpClaimed, Source: protocol.HelpFromSession, Volunteer: "Anna",
		Messages: []protocol.HelpMessage{{From: protocol.FromVolunteer, Text: "Hei", At: fixedNow}}}
	f := newFixture(t, st)
	b := NewSessionBar(f.env)
	f.show(b, st, desktop)
	h := b.help
	require.True(t, h.chat.obj.Visible())
	test.Type(h.chat.entry, "Kiitos")
	f.tap(h.chat.send)
	assert.Equal(t, []localapitest.Call{{Method: "SayHelp", Arg: localapi.HelpMessageRequest{Text: "Kiitos"}}}, f.calls(1))

	for _, tc := range []struct {
		status protocol.HelpStatus
		key    string
	}{
		{protocol.HelpResolved, "help.resolved"},
		{protocol.HelpCancelled, "help.cancelled"},
		{protocol.HelpExpired, "help.expired"},
	} {
		st.Help = &localapi.Help{ID: "h1", Status: tc.status}
		b.Update(st)
		assert.Equal(t, i18n.T("fi", tc.key), h.state.Text)
		assert.False(t, h.panel.Visible())
		assert.Equal(t, i18n.T("fi", "help.ask"), h.button.Text, "a new request can be asked")
	}
}

// With nobody on duty the kiosk says so, and when support is next given,
// before the visitor asks.
func TestHelpNobodyOnDuty(t *testing.T) {
	st := status(localapi.StateIdle, "en")
	st.HelpSupport = &localapi.HelpSupport{OnDuty: 0, Topics: []string{"email"},
		NextFrom: time.Date(2025, 3, 18, 13, 0, 0, 0, time.Local), NextUntil: time.Date(2025, 3, 18, 16, 0, 0, 0, time.Local)}
	f := newFixture(t, st)
	w := NewWelcome(f.env)
	f.show(w, st, desktop)
	assert.Equal(t, "No volunteer on duty now", w.help.state.Text, "said before the visitor asks")
	f.tap(w.help.button)
	require.True(t, w.help.panel.Visible())
	assert.Equal(t, "No volunteer is on duty right now. Please ask at the desk. Digital support is next given Tuesday 13:00–16:00.", w.help.detail.Text)
	assert.False(t, w.help.form.send.Visible(), "nothing to send to nobody")
	f.tap(w.help.form.close)
	assert.False(t, w.help.panel.Visible())
}

func TestHelpRefusedShowsWhy(t *testing.T) {
	st := withSupport(active("sv", 30), 2)
	f := newFixture(t, st)
	b := NewSessionBar(f.env)
	f.show(b, st, desktop)
	f.ctl.RefuseNext("RequestHelp", &localapi.Refusal{Code: localapi.RefusalOffline})
	f.tap(b.help.button)
	b.help.form.topic.SetSelected("E-post")
	f.tap(b.help.form.send)
	f.q.WaitFor(t, "help refusal", func() bool { return b.help.state.Visible() })
	assert.Equal(t, i18n.T("sv", "refusal.offline_denied"), b.help.state.Text)
	assert.True(t, b.help.form.obj.Visible(), "the visitor can try again")
}
