package link

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"piste/agent/outbox"
	"piste/fleet/protocol"
)

// TestPolicyAndNoticeFrames runs a real WebSocket on loopback: a fleet
// end that greets the agent, sends a policy and a reservation notice.
func TestPolicyAndNoticeFrames(t *testing.T) {
	up := websocket.Upgrader{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer ws.Close()
		if _, _, err := ws.ReadMessage(); err != nil { // hello
			return
		}
		send := func(typ string, body any) {
			frame, err := protocol.Encode(typ+"-1", typ, body)
			require.NoError(t, err)
			require.NoError(t, ws.WriteMessage(websocket.TextMessage, frame))
		}
		send(protocol.TypeWelcome, protocol.Welcome{TerminalID: "t1", HeartbeatSeconds: 30})
		send(protocol.TypePolicy, map[string]any{"session": map[string]any{"max_minutes": 42}})
		data, _ := json.Marshal(protocol.ReservationNotice{Reservation: &protocol.Reservation{ID: "r1", CardHint: "0001"}})
		send(protocol.TypeNotice, protocol.Notice{Kind: protocol.NoticeReservation, Data: data})
		for {
			if _, _, err := ws.ReadMessage(); err != nil {
				return
			}
		}
	}))
	defer srv.Close()
	base, err := url.Parse(srv.URL)
	require.NoError(t, err)
	policies := make(chan json.RawMessage, 1)
	notices := make(chan protocol.Notice, 1)
	l, err := New(Config{Server: base, Token: "tok", Outbox: outbox.NewMemory(),
		OnPolicy: func(raw json.RawMessage) { policies <- raw },
		OnNotice: func(n protocol.Notice) { notices <- n }})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- l.Run(ctx) }()
	defer func() { cancel(); <-done }()

	select {
	case raw := <-policies:
		assert.JSONEq(t, `{"session":{"max_minutes":42}}`, string(raw))
	case <-time.After(10 * time.Second):
		t.Fatal("no policy frame passed on")
	}
	select {
	case n := <-notices:
		assert.Equal(t, protocol.NoticeReservation, n.Kind)
		var rn protocol.ReservationNotice
		require.NoError(t, json.Unmarshal(n.Data, &rn))
		assert.Equal(t, "0001", rn.Reservation.CardHint)
	case <-time.After(10 * time.Second):
		t.Fatal("no notice passed on")
	}
}

// Down is what lets a session start as walk-up: only a link known to be
// down counts, never one still making its first try.
func TestStatusDown(t *testing.T) {
	tests := []struct {
		name string
		s    Status
		want bool
	}{
		{"first try not finished", Status{Attempts: 1}, false},
		{"connected", Status{Connected: true, Attempts: 1}, false},
		{"dial failed", Status{Attempts: 1, LastError: "dial fleet: connection refused"}, true},
		{"dropped after a connection", Status{Attempts: 2, LastConnected: time.Now(), LastError: "fleet closed the link (1001)"}, true},
		{"revoked", Status{Revoked: true}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, tc.s.Down())
		})
	}
}
