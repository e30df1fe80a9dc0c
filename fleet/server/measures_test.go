package server

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"piste/fleet/protocol"
)

// The measures' digital-support figures come from the help queue: a
// visitor's request, claimed and solved by a volunteer, counts as one
// request and one person helped in the branch; a branch without requests
// shows zero rather than "not available".
func TestMeasuresCountTheHelpQueue(t *testing.T) {
	f := newTestFleet(t)
	_, tok := f.enroll("kallio")
	f.enroll("oodi")
	vera, admin := f.login("vera"), f.login("admin")
	var v protocol.HelpView
	require.Equal(t, 200, f.agentCall(protocol.PathAgentHelp, tok, `{"topic":"email","language":"fi","session_id":"s1"}`, &v))
	require.Equal(t, 200, f.status("POST", "/api/v1/help-requests/"+v.ID+"/claim", vera, ""))
	require.Equal(t, 200, f.status("POST", "/api/v1/help-requests/"+v.ID+"/resolve", vera, `{"outcome":"solved"}`))

	status, rows := f.doList("GET", "/api/v1/measures", admin)
	require.Equal(t, 200, status)
	support := map[string]map[string]any{}
	for _, r := range rows {
		s, _ := r["support"].(map[string]any)
		support[r["branch"].(string)] = s
	}
	require.NotNil(t, support["kallio"], "kallio's support figures: %v", rows)
	assert.EqualValues(t, 1, support["kallio"]["requests"])
	assert.EqualValues(t, 1, support["kallio"]["resolved"])
	require.NotNil(t, support["oodi"], "oodi's support figures: %v", rows)
	assert.EqualValues(t, 0, support["oodi"]["requests"])
}
