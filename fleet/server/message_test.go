package server

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"piste/fleet/protocol"
)

// TestMessageInEveryLanguage: an admin sends a message with a text per
// language; the terminal receives every text, and a language the kiosk
// does not speak is refused with the field named.
func TestMessageInEveryLanguage(t *testing.T) {
	f := newTestFleet(t)
	admin := f.login("admin")
	id, token := f.enroll("kallio")
	ws := dialAgent(t, f, token)
	hello(t, ws, "ep")

	status, body := f.do("POST", "/api/v1/terminals/"+id+"/commands", admin,
		`{"type":"message","texts":{"fi":"Kirjasto sulkeutuu klo 16.00.","sv":"Biblioteket stänger kl. 16.00.","en":"The library closes at 16:00."}}`)
	require.Equal(t, 202, status, body)

	var cmd protocol.Command
	require.NoError(t, protocol.DecodeBody(readUntil(t, ws, protocol.TypeCommand), &cmd))
	assert.Equal(t, protocol.CommandMessage, cmd.Type)
	assert.Equal(t, "Biblioteket stänger kl. 16.00.", cmd.Texts["sv"])
	assert.Equal(t, "Kirjasto sulkeutuu klo 16.00.", protocol.MessageText(cmd.Text, cmd.Texts, "fi"))
	assert.Equal(t, "Kirjasto sulkeutuu klo 16.00.", protocol.MessageText(cmd.Text, cmd.Texts, "de"), "a language without a text falls back")

	for _, bad := range []struct{ body, want string }{
		{`{"type":"message","texts":{"de":"Hallo"}}`, `language "de" is not one of`},
		{`{"type":"message","texts":{"fi":""}}`, "texts.fi must be"},
	} {
		status, body = f.do("POST", "/api/v1/terminals/"+id+"/commands", admin, bad.body)
		assert.Equal(t, 400, status, bad.body)
		assert.Contains(t, body["error"], bad.want)
	}
}
