package web_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"piste/fleet/api"
	"piste/fleet/protocol"
	"piste/fleet/store"
)

// An event kept aside shows as an alert on the list and, with its reason
// and data, on the terminal's page.
func TestRejectedEventShowsAsAlert(t *testing.T) {
	f := newFleet(t)
	term := f.addTerminal(t, "kallio", "kallio-pc-01", 33)
	c := f.login(t, "ada", api.RoleAdmin, "")
	_, body := get(t, c, f.srv.URL+"/terminals/"+term.ID)
	body = shown(body)
	assert.NotContains(t, body, "Events not accepted")

	out, err := f.store.Ingest(context.Background(), []store.Incoming{{TerminalID: term.ID, ReceivedAt: time.Now(),
		Event: protocol.Event{Epoch: "e1", Seq: 2, Kind: protocol.EventHealth, At: time.Now(), Data: json.RawMessage(`"<script>x</script>"`)}}})
	require.NoError(t, err)
	require.NotEmpty(t, out[0].Rejected)

	_, body = get(t, c, f.srv.URL+"/")
	body = shown(body)
	assert.Contains(t, body, "1 open alert")
	assert.Contains(t, body, "event not accepted")
	assert.Contains(t, body, "health event e1/2 not accepted")
	assert.NotContains(t, body, "out of service", "the wipe advice is for wipe alerts only")
	assertNoInlineCode(t, body)

	_, body = get(t, c, f.srv.URL+"/terminals/"+term.ID)
	body = shown(body)
	assert.Contains(t, body, "Events not accepted")
	assert.Contains(t, body, "health data")
	assert.Contains(t, body, "&lt;script&gt;x&lt;/script&gt;", "the raw data is escaped")
	assertNoInlineCode(t, body)
}
