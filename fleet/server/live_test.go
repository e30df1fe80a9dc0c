package server

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"piste/fleet/changes"
)

type liveMsg struct {
	Full      bool `json:"full"`
	Terminals []struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	} `json:"terminals"`
}

// The live view sends the full list, then the rows the change bus names:
// a terminal coming online, then revoked.
func TestLiveViewFollowsTheChangeBus(t *testing.T) {
	f := newTestFleet(t)
	admin := f.login("admin")
	id, token := f.enroll("kallio")
	live, _, err := websocket.DefaultDialer.Dial(strings.Replace(f.srv.URL, "http", "ws", 1)+"/api/v1/live",
		http.Header{"Authorization": {"Bearer " + admin}})
	require.NoError(t, err)
	defer live.Close()
	read := func() liveMsg {
		t.Helper()
		var m liveMsg
		live.SetReadDeadline(time.Now().Add(10 * time.Second))
		require.NoError(t, live.ReadJSON(&m))
		return m
	}
	first := read()
	require.True(t, first.Full)
	require.Len(t, first.Terminals, 1)
	assert.Equal(t, "offline", first.Terminals[0].Status)

	hello(t, dialAgent(t, f, token), "ep")
	m := read()
	assert.False(t, m.Full)
	require.Len(t, m.Terminals, 1)
	assert.Equal(t, id, m.Terminals[0].ID)
	assert.Equal(t, "online", m.Terminals[0].Status)

	status, _ := f.do("POST", "/api/v1/terminals/"+id+"/revoke", admin, "")
	require.Equal(t, 204, status)
	for m.Terminals[0].Status != "offline" { // revoked, then its link dropped
		m = read()
		require.False(t, m.Full)
		require.Len(t, m.Terminals, 1)
	}

	// A change of a terminal the view does not know is skipped, not sent.
	f.srv.Changes.Publish(changes.Change{Kind: changes.TerminalChanged, Terminal: "t-unknown"})
	f.srv.Changes.Publish(changes.Change{Kind: changes.TerminalChanged, Terminal: id})
	m = read()
	require.Len(t, m.Terminals, 1)
	assert.Equal(t, id, m.Terminals[0].ID)
}
