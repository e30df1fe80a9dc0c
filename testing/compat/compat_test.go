// Package compat checks that the agent and the fleet agree on the messages
// of fleet/protocol: the real agent code against a real fleet server on
// loopback, each side using its own half of the one shared type.
package compat

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"piste/agent/enroll"
	"piste/agent/link"
	"piste/agent/outbox"
	"piste/agent/state"
	"piste/agent/wipe"
	"piste/fleet/api"
	"piste/fleet/protocol"
	"piste/fleet/server"
	"piste/fleet/store"
)

func startFleet(t *testing.T) *server.Server {
	t.Helper()
	srv, err := server.New(server.Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), Heartbeat: time.Second},
		slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	require.NoError(t, srv.Start())
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	})
	require.NoError(t, srv.Store.AddBranch(context.Background(), store.Branch{ID: "kallio", Name: "Kallio", TZ: "Europe/Helsinki"}))
	return srv
}

// enrollAgent joins a terminal with the agent's own enroll client.
func enrollAgent(t *testing.T, srv *server.Server, kind protocol.TerminalKind) (state.Config, string) {
	t.Helper()
	code, err := api.NewEnrollCode(context.Background(), srv.Store, "kallio", 1, time.Hour)
	require.NoError(t, err)
	dir := t.TempDir()
	cfg, err := enroll.Enroll(context.Background(), enroll.Request{Server: srv.URL, Code: code, Name: "lobby-1",
		Kind: kind, StateDir: dir, Version: "9.9.9"})
	require.NoError(t, err)
	saved, token, err := state.Load(dir)
	require.NoError(t, err)
	assert.Equal(t, cfg.TerminalID, saved.TerminalID)
	return saved, token
}

// runLink connects the real agent link with the enrolled identity.
func runLink(t *testing.T, srv *server.Server, token string, ob outbox.Outbox, onAck func(uint64)) *link.Link {
	t.Helper()
	base, err := url.Parse(srv.URL)
	require.NoError(t, err)
	l, err := link.New(link.Config{Server: base, Token: token, Outbox: ob, OnAck: onAck,
		Hello: protocol.Hello{AgentVersion: "9.9.9", Kind: protocol.KindPC}, Log: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- l.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return l
}

// The agent's enroll client and the fleet's enroll handler share
// protocol.EnrollRequest and protocol.EnrollResponse: what one side sends
// is what the other records, and the token it gets opens the link.
func TestEnrollmentRoundTrip(t *testing.T) {
	srv := startFleet(t)
	cfg, token := enrollAgent(t, srv, protocol.KindScreen)
	assert.Equal(t, "lobby-1", cfg.Name)
	assert.Equal(t, "kallio", cfg.Branch)
	assert.Equal(t, protocol.KindScreen, cfg.Kind)

	term, err := srv.Store.Terminal(context.Background(), cfg.TerminalID)
	require.NoError(t, err)
	assert.Equal(t, "lobby-1", term.Name)
	assert.Equal(t, string(protocol.KindScreen), term.Kind)
	assert.Equal(t, "9.9.9", term.AgentVersion)
	assert.NotEmpty(t, term.OS)

	ob := outbox.NewMemory()
	acked := make(chan uint64, 1)
	runLink(t, srv, token, ob, func(n uint64) { acked <- n })
	seq, err := ob.Append(protocol.EventTest, time.Now(), []byte(`{}`))
	require.NoError(t, err)
	select {
	case got := <-acked:
		assert.Equal(t, seq, got, "the enrolled token opens the link")
	case <-time.After(10 * time.Second):
		t.Fatal("no ack over the enrolled terminal's link")
	}
}

// A receipt the agent's wipe package builds reaches the fleet's store as the
// same value: it is one type on both sides.
func TestWipeReceiptRoundTrip(t *testing.T) {
	srv := startFleet(t)
	cfg, token := enrollAgent(t, srv, protocol.KindPC)
	start := time.Date(2026, 11, 27, 9, 0, 0, 123456789, time.UTC)
	sent := wipe.Receipt{SessionID: "s-1", Trigger: wipe.TriggerIdle, User: "piste-visitor", Strategy: wipe.StrategyOverlay,
		StartedAt: start, EndedAt: start.Add(1500 * time.Millisecond), Duration: 1500 * time.Millisecond,
		FilesRemoved: 3, BytesRemoved: 4096, ProcessesEnded: 2, Verified: false,
		Failures:     []wipe.Failure{{Step: wipe.StepHome, Path: "/home/v/x", Error: "immutable"}},
		StepsRun:     []string{wipe.StepProcesses, wipe.StepHome, wipe.StepVerify},
		StepsSkipped: []string{"print: cups not installed"}}

	ob := outbox.NewMemory()
	acked := make(chan uint64, 1)
	runLink(t, srv, token, ob, func(n uint64) { acked <- n })
	raw, err := json.Marshal(sent) // as the daemon emits every event
	require.NoError(t, err)
	seq, err := ob.Append(protocol.EventWipe, sent.EndedAt, raw)
	require.NoError(t, err)
	select {
	case got := <-acked:
		require.Equal(t, seq, got)
	case <-time.After(10 * time.Second):
		t.Fatal("the wipe event was not acked")
	}

	stored, err := srv.Store.WipeReceipts(context.Background(), cfg.TerminalID, 10)
	require.NoError(t, err)
	require.Len(t, stored, 1)
	assert.Equal(t, sent, stored[0].WipeReceipt)
	alerts, err := srv.Store.OpenAlerts(context.Background())
	require.NoError(t, err)
	require.Len(t, alerts, 1, "the unverified wipe is an alert")
	assert.Contains(t, alerts[0].Detail, "immutable", "the fleet read the failures")
}

// A newer agent talking to this fleet: a hello with fields this fleet does
// not know, a frame type it does not know, an event body with an extra
// field. The fleet ignores what it does not know and keeps the link: the
// event after the unknown frame is stored and acked on the same connection.
func TestFleetKeepsANewerAgent(t *testing.T) {
	srv := startFleet(t)
	cfg, token := enrollAgent(t, srv, protocol.KindPC)
	ws, resp, err := websocket.DefaultDialer.Dial(strings.Replace(srv.URL, "http", "ws", 1)+protocol.Path,
		http.Header{"Authorization": {"Bearer " + token}})
	require.NoError(t, err)
	resp.Body.Close()
	defer ws.Close()
	write := func(frame string) {
		require.NoError(t, ws.WriteMessage(websocket.TextMessage, []byte(frame)))
	}
	write(`{"v":1,"id":"h","type":"hello","body":{"agent_version":"10.0.0","kind":"pc","epoch":"ep1","battery":{"percent":80}}}`)
	welcome := readType(t, ws, protocol.TypeWelcome)
	var w protocol.Welcome
	require.NoError(t, protocol.DecodeBody(welcome, &w))
	assert.Equal(t, cfg.TerminalID, w.TerminalID)

	write(`{"v":1,"id":"x1","type":"help_request","body":{"topic":"printing"}}`)
	at := time.Now().UTC().Format(time.RFC3339Nano)
	write(`{"v":1,"id":"ep1-1","type":"event","body":{"epoch":"ep1","seq":1,"kind":"state","at":"` + at +
		`","data":{"state":"active","mood":"calm"},"priority":"low"}}`)
	ack := readType(t, ws, protocol.TypeAck)
	var a protocol.Ack
	require.NoError(t, protocol.DecodeBody(ack, &a))
	assert.Equal(t, "ep1", a.Epoch)
	assert.Equal(t, uint64(1), a.Seq)

	term, err := srv.Store.Terminal(context.Background(), cfg.TerminalID)
	require.NoError(t, err)
	assert.Equal(t, string(protocol.StateActive), term.State, "the event with an extra field was applied")
	online, _ := srv.Hub.Online(cfg.TerminalID)
	assert.True(t, online, "the newer agent is still connected")
}

// readType reads frames until one of typ, skipping the fleet's others
// (policy, notices).
func readType(t *testing.T, ws *websocket.Conn, typ string) protocol.Envelope {
	t.Helper()
	ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		_, raw, err := ws.ReadMessage()
		require.NoError(t, err, "waiting for a %s frame", typ)
		env, err := protocol.Decode(raw)
		require.NoError(t, err)
		if env.Type == typ {
			return env
		}
	}
}
