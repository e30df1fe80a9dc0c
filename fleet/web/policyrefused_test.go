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

// A terminal that refused its policy shows on the terminals page with the
// reason, until it applies one.
func TestRefusedPolicyShowsAsAnAlert(t *testing.T) {
	f := newFleet(t)
	term := f.addTerminal(t, "kallio", "kallio-pc-01", 33)
	c := f.login(t, "ada", api.RoleAdmin, "")
	result := func(seq uint64, r protocol.PolicyResult) {
		data, err := json.Marshal(r)
		require.NoError(t, err)
		_, err = f.store.Ingest(context.Background(), []store.Incoming{{TerminalID: term.ID, ReceivedAt: time.Now(),
			Event: protocol.Event{Epoch: "policy-test", Seq: seq, Kind: protocol.EventPolicyResult, At: time.Now(), Data: data}}})
		require.NoError(t, err)
	}

	result(1, protocol.PolicyResult{Status: protocol.PolicyRefused, Key: "wipe.skeleton",
		Error: `policy refused on this terminal: wipe.skeleton "/etc" is not allowed by this terminal's skeletons in /etc/piste/agent.yaml <b>`})
	_, body := get(t, c, f.srv.URL+"/")
	body = shown(body)
	assert.Contains(t, body, "1 open alert")
	assert.Contains(t, body, "policy refused")
	assert.Contains(t, body, "The terminal keeps its last good policy")
	assert.Contains(t, body, "wipe.skeleton &#34;/etc&#34; is not allowed")
	assert.Contains(t, body, "agent.yaml &lt;b&gt;", "the reason is escaped")
	assertNoInlineCode(t, body)

	result(2, protocol.PolicyResult{Status: protocol.PolicyApplied})
	_, body = get(t, c, f.srv.URL+"/")
	body = shown(body)
	assert.NotContains(t, body, "open alert")
}
