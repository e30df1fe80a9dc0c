package link

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"piste/agent/outbox"
	"piste/fleet/protocol"
)

// lockedBuffer is a log sink the link's reader may write while the test reads.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// newerFleet is the fleet end of a real WebSocket on loopback, speaking as a
// fleet from a later release would: frame types and fields this agent does
// not know. Every frame the agent sends arrives on frames.
type newerFleet struct {
	t       *testing.T
	srv     *httptest.Server
	conns   atomic.Int32
	frames  chan protocol.Envelope
	ws      chan *websocket.Conn
	writeMu sync.Mutex
}

func startNewerFleet(t *testing.T) *newerFleet {
	f := &newerFleet{t: t, frames: make(chan protocol.Envelope, 16), ws: make(chan *websocket.Conn, 4)}
	up := websocket.Upgrader{}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer ws.Close()
		f.conns.Add(1)
		f.ws <- ws
		for {
			_, raw, err := ws.ReadMessage()
			if err != nil {
				return
			}
			env, err := protocol.Decode(raw)
			if err != nil {
				t.Errorf("agent sent a bad frame: %v", err)
				return
			}
			f.frames <- env
		}
	}))
	t.Cleanup(f.srv.Close)
	return f
}

// sendRaw writes one frame as given, so it may hold what no Go type of this
// build has.
func (f *newerFleet) sendRaw(ws *websocket.Conn, frame string) {
	f.writeMu.Lock()
	defer f.writeMu.Unlock()
	require.NoError(f.t, ws.WriteMessage(websocket.TextMessage, []byte(frame)))
}

func (f *newerFleet) next(typ string) protocol.Envelope {
	f.t.Helper()
	select {
	case env := <-f.frames:
		require.Equal(f.t, typ, env.Type, "frame from the agent")
		return env
	case <-time.After(10 * time.Second):
		f.t.Fatalf("no %s frame from the agent", typ)
		return protocol.Envelope{}
	}
}

// An agent of this release talking to a newer fleet ignores the frame types
// and fields it does not know, says so in its log once per type, and keeps
// the connection: commands and acks still flow on it afterwards.
func TestAgentIgnoresWhatANewerFleetAdds(t *testing.T) {
	fleet := startNewerFleet(t)
	base, err := url.Parse(fleet.srv.URL)
	require.NoError(t, err)
	ob := outbox.NewMemory()
	logs := &lockedBuffer{}
	commands := make(chan protocol.Command, 1)
	acked := make(chan uint64, 1)
	welcomes := make(chan protocol.Welcome, 1)
	l, err := New(Config{Server: base, Token: "tok", Outbox: ob,
		Log:       slog.New(slog.NewTextHandler(logs, nil)),
		OnWelcome: func(w protocol.Welcome) { welcomes <- w },
		OnCommand: func(c protocol.Command) { commands <- c },
		OnAck:     func(upTo uint64) { acked <- upTo }})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- l.Run(ctx) }()
	defer func() { cancel(); <-done }()

	ws := <-fleet.ws
	fleet.next(protocol.TypeHello)
	fleet.sendRaw(ws, `{"v":1,"id":"w","type":"welcome","body":{"terminal_id":"t1","name":"pc-1","heartbeat_seconds":30,"signage_channel":"lobby"}}`)
	w := <-welcomes
	assert.Equal(t, "pc-1", w.Name, "a welcome with an unknown field is read")

	// Two frames of one new type and one of another, before a command.
	fleet.sendRaw(ws, `{"v":1,"id":"s1","type":"signage_slide","body":{"url":"https://example.org/a.png"}}`)
	fleet.sendRaw(ws, `{"v":1,"id":"s2","type":"signage_slide","body":{"url":"https://example.org/b.png"}}`)
	fleet.sendRaw(ws, `{"v":1,"id":"h1","type":"help_update"}`)
	fleet.sendRaw(ws, `{"v":1,"id":"c","type":"command","body":{"id":"c-1","type":"message","text":"hei","priority":"urgent","created_at":"2026-12-01T10:00:00Z"}}`)

	env := fleet.next(protocol.TypeAck)
	var ack protocol.Ack
	require.NoError(t, protocol.DecodeBody(env, &ack))
	assert.Equal(t, "c-1", ack.CommandID, "the command after the unknown frames is acked on the same connection")
	select {
	case c := <-commands:
		assert.Equal(t, protocol.CommandMessage, c.Type)
		assert.Equal(t, "hei", c.Text)
	case <-time.After(10 * time.Second):
		t.Fatal("the command was not run")
	}

	// Events still flow, and an ack with an unknown field is taken.
	seq, err := ob.Append(protocol.EventTest, time.Now(), []byte(`{}`))
	require.NoError(t, err)
	fleet.next(protocol.TypeEvent)
	fleet.sendRaw(ws, `{"v":1,"id":"a","type":"ack","body":{"epoch":"`+ob.Epoch()+`","seq":`+jsonNumber(seq)+`,"stored_in":"replica-2"}}`)
	select {
	case got := <-acked:
		assert.Equal(t, seq, got)
	case <-time.After(10 * time.Second):
		t.Fatal("the event's ack was not taken")
	}

	assert.Equal(t, int32(1), fleet.conns.Load(), "the agent never reconnected")
	assert.True(t, l.Status().Connected)
	out := logs.String()
	assert.Equal(t, 1, strings.Count(out, "type=signage_slide"), "one log line per unknown type:\n%s", out)
	assert.Equal(t, 1, strings.Count(out, "type=help_update"), out)
	assert.Contains(t, out, "upgrade the agent")
}

func jsonNumber(n uint64) string {
	raw, _ := json.Marshal(n)
	return string(raw)
}
