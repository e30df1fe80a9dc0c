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
	Terminals []struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	} `json:"terminals"`
	Gone   []string       `json:"gone"`
	Counts map[string]int `json:"counts"`
	Total  *int           `json:"total"`
	Alerts []struct {
		Kind string `json:"kind"`
	} `json:"alerts"`
}

// The live view sends what changed of the rows a page watches, under its
// filter: a terminal coming online, then revoked (gone from the list);
// rows it does not watch are never sent.
func TestLiveViewFollowsTheChangeBus(t *testing.T) {
	f := newTestFleet(t)
	admin := f.login("admin")
	id, token := f.enroll("kallio")
	other, otherToken := f.enroll("kallio")
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
	assert.NotNil(t, first.Alerts, "the open alerts first")
	require.NoError(t, live.WriteJSON(map[string]any{"watch": map[string]any{"ids": []string{id}, "filter": map[string]any{"branch": "kallio"}}}))
	m := read()
	require.NotNil(t, m.Total)
	assert.Equal(t, 2, *m.Total)
	assert.Equal(t, 2, m.Counts["offline"])

	hello(t, dialAgent(t, f, otherToken), "ep") // not watched
	hello(t, dialAgent(t, f, token), "ep")
	for m = read(); len(m.Terminals) == 0; m = read() {
	}
	require.Len(t, m.Terminals, 1, "the watched row only")
	assert.Equal(t, id, m.Terminals[0].ID)
	assert.Equal(t, "online", m.Terminals[0].Status)
	_ = other

	status, _ := f.do("POST", "/api/v1/terminals/"+id+"/revoke", admin, "")
	require.Equal(t, 204, status)
	for m = read(); len(m.Gone) == 0; m = read() {
		assert.Empty(t, m.Terminals, "a revoked terminal matches no filter")
	}
	assert.Equal(t, []string{id}, m.Gone)

	// A changed filter: the page now watches the other terminal, online.
	require.NoError(t, live.WriteJSON(map[string]any{"watch": map[string]any{"ids": []string{other}, "filter": map[string]any{"status": "online"}}}))
	for m = read(); m.Total == nil; m = read() {
	}
	assert.Equal(t, 1, *m.Total)
	f.srv.Changes.Publish(changes.Change{Kind: changes.TerminalChanged, Terminal: "t-unknown"})
	f.srv.Changes.Publish(changes.Change{Kind: changes.TerminalChanged, Terminal: other})
	for m = read(); len(m.Terminals) == 0; m = read() {
	}
	require.Len(t, m.Terminals, 1)
	assert.Equal(t, other, m.Terminals[0].ID)
}
