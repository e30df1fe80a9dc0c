package server

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"piste/fleet/protocol"
	"piste/fleet/store"
)

// A terminal back after a long absence gets its whole queue, even one
// longer than a connection's send buffer, in order.
func TestLongCommandQueueIsDeliveredInOrder(t *testing.T) {
	f := newTestFleet(t)
	id, token := f.enroll("kallio")
	const n = 600
	now := time.Now()
	for i := 0; i < n; i++ {
		require.NoError(t, f.srv.Store.AddCommand(context.Background(), store.Command{
			ID: fmt.Sprintf("c-%04d", i), TerminalID: id, Type: protocol.CommandMessage, Text: "hello",
			CreatedBy: "test", CreatedAt: now.Add(time.Duration(i) * time.Millisecond), ExpiresAt: now.Add(time.Hour)}))
	}
	ws := dialAgent(t, f, token)
	hello(t, ws, "ep")
	got := 0
	ws.SetReadDeadline(time.Now().Add(20 * time.Second))
	for got < n {
		_, raw, err := ws.ReadMessage()
		require.NoError(t, err, "after %d commands", got)
		env, err := protocol.Decode(raw)
		require.NoError(t, err)
		if env.Type != protocol.TypeCommand {
			continue // policy and notice frames
		}
		var cmd protocol.Command
		require.NoError(t, protocol.DecodeBody(env, &cmd))
		assert.Equal(t, fmt.Sprintf("c-%04d", got), cmd.ID)
		got++
		ack, _ := protocol.Encode("a", protocol.TypeAck, protocol.Ack{CommandID: cmd.ID})
		require.NoError(t, ws.WriteMessage(websocket.TextMessage, ack))
	}
	require.Eventually(t, func() bool {
		c, err := f.srv.Store.Command(context.Background(), fmt.Sprintf("c-%04d", n-1))
		return err == nil && c.Status == store.CommandDelivered
	}, 10*time.Second, 50*time.Millisecond)
}
