package screens

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"piste/agent/localapi"
	"piste/fleet/protocol"
)

func TestMyDataRememberShowDelete(t *testing.T) {
	st := active("en", 30)
	st.Accessibility = localapi.Accessibility{TextScale: 150, HighContrast: true, Speech: true}
	f := newFixture(t, st)
	b := NewSessionBar(f.env)
	f.show(b, st, desktop)
	b.toggleControls()
	p := b.mydata
	require.True(t, p.Object().Visible(), "offered in a card session")

	f.tap(p.remember)
	f.calls(1)
	f.q.WaitFor(t, "remembered", func() bool { return p.text.Visible() })
	assert.Contains(t, p.text.Text, "Your settings are saved for your library card")

	f.tap(p.show)
	f.calls(2)
	f.q.WaitFor(t, "kept shown", func() bool { return p.text.Text != "" && p.text.Text[:5] == "Saved" })
	assert.Equal(t, "Saved settings: text size 150 %, high contrast on, speech on, language English. "+
		"Today 1 session, 25 min in all. The library needs this to count today's computer time. "+
		"Settings are deleted when not used for 365 days.", p.text.Text)

	f.tap(p.delete)
	calls := f.calls(3)
	assert.Equal(t, []string{"RememberSettings", "MyData", "ForgetMyData"}, []string{calls[0].Method, calls[1].Method, calls[2].Method})
	f.q.WaitFor(t, "deleted", func() bool { return p.text.Text != "" && p.text.Text[:4] == "Your" && len(p.text.Text) > 30 })
	assert.Contains(t, p.text.Text, "No settings are saved.")

	// The next visitor sees nothing of it; a guest is not offered it.
	guest := active("en", 30)
	guest.Session.ID, guest.Session.Kind = "s2", protocol.SessionGuest
	b.Update(guest)
	assert.False(t, p.Object().Visible())
	assert.False(t, p.text.Visible(), "the last visitor's answer is gone")
}
