package server

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"piste/fleet/protocol"
	"piste/fleet/store"
)

// getList GETs a JSON list as a user.
func getList[T any](t *testing.T, f *testFleet, path, token string) (int, []T) {
	req, err := http.NewRequest("GET", f.srv.URL+path, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var out []T
	if resp.StatusCode == 200 {
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
	}
	return resp.StatusCode, out
}

// An event with bad data is acked on a link that stays open, listed for
// admins with its reason, alerted until an admin settles it.
func TestRejectedEventThroughTheAPI(t *testing.T) {
	f := newTestFleet(t)
	id, token := f.enroll("kallio")
	ws := dialAgent(t, f, token)
	hello(t, ws, "ep")
	for seq, data := range []string{`{"cpu_percent":"lots"}`, `{"cpu_percent":5}`} {
		frame, _ := protocol.Encode("x", protocol.TypeEvent, protocol.Event{Epoch: "ep", Seq: uint64(seq + 1),
			Kind: protocol.EventHealth, At: time.Now(), Data: json.RawMessage(data)})
		require.NoError(t, ws.WriteMessage(websocket.TextMessage, frame))
		var ack protocol.Ack
		require.NoError(t, protocol.DecodeBody(readUntil(t, ws, protocol.TypeAck), &ack))
		assert.Equal(t, uint64(seq+1), ack.Seq, "acked on the same link")
	}

	admin := f.login("admin")
	status, alerts := getList[store.Alert](t, f, "/api/v1/alerts", admin)
	require.Equal(t, 200, status)
	require.Len(t, alerts, 1)
	assert.Equal(t, id, alerts[0].TerminalID)
	assert.Equal(t, store.AlertEventRejected, alerts[0].Kind)

	status, rejected := getList[store.RejectedEvent](t, f, "/api/v1/terminals/"+id+"/rejected-events", admin)
	require.Equal(t, 200, status)
	require.Len(t, rejected, 1)
	assert.Equal(t, uint64(1), rejected[0].Seq)
	assert.Contains(t, rejected[0].Reason, "health data")
	assert.Equal(t, `{"cpu_percent":"lots"}`, rejected[0].Data)

	status, _ = getList[store.RejectedEvent](t, f, "/api/v1/terminals/"+id+"/rejected-events", f.login("vera"))
	assert.Equal(t, 403, status, "volunteers do not see it")
	status, _ = getList[store.RejectedEvent](t, f, "/api/v1/terminals/"+id+"/rejected-events?limit=0", admin)
	assert.Equal(t, 400, status)

	status, body := f.do("POST", "/api/v1/terminals/"+id+"/rejected-events/settle", admin, "")
	assert.Equal(t, 204, status, body)
	_, alerts = getList[store.Alert](t, f, "/api/v1/alerts", admin)
	assert.Empty(t, alerts)
	_, rejected = getList[store.RejectedEvent](t, f, "/api/v1/terminals/"+id+"/rejected-events", admin)
	assert.Len(t, rejected, 1, "settling keeps the record")
	status, body = f.do("POST", "/api/v1/terminals/"+id+"/rejected-events/settle", admin, "")
	assert.Equal(t, 404, status)
	assert.Contains(t, body["error"], "no open alert")
	status, _ = f.do("POST", "/api/v1/terminals/nope/rejected-events/settle", admin, "")
	assert.Equal(t, 404, status)
}
