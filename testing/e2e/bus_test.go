package e2e

import (
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"piste/fleet/protocol"
)

// eventBound only bounds a wait for an event that should come at once
// (the fleet used to notice CLI changes by polling every 2 to 15 s); the
// tests measure the event itself.
const eventBound = 5 * time.Second

// linkedTerminal is a terminal's link driven by the test itself, so that the
// test sees the frames and the close code the fleet sends.
type linkedTerminal struct {
	t  *testing.T
	id string
	ws *websocket.Conn
}

func connectRaw(t *testing.T, f *fleet, branch string) *linkedTerminal {
	var enrolled struct {
		TerminalID string `json:"terminal_id"`
		Token      string `json:"token"`
	}
	code := f.enrollCode(branch, 1, "1h")
	require.Equal(t, 201, f.call("POST", "/api/v1/enroll", "", map[string]string{
		"code": code, "name": "raw-" + branch, "kind": "pc", "agent_version": "test"}, &enrolled))
	hdr := http.Header{"Authorization": {"Bearer " + enrolled.Token}}
	ws, _, err := websocket.DefaultDialer.Dial("ws://"+f.addr+protocol.Path, hdr)
	require.NoError(t, err)
	t.Cleanup(func() { ws.Close() })
	hello, err := protocol.Encode("h-1", protocol.TypeHello, protocol.Hello{AgentVersion: "test", Kind: "pc", Epoch: "e2e"})
	require.NoError(t, err)
	require.NoError(t, ws.WriteMessage(websocket.TextMessage, hello))
	r := &linkedTerminal{t: t, id: enrolled.TerminalID, ws: ws}
	r.next(protocol.TypeWelcome)
	return r
}

// next reads frames until one of type typ arrives, and returns it.
func (r *linkedTerminal) next(typ string) protocol.Envelope {
	r.t.Helper()
	require.NoError(r.t, r.ws.SetReadDeadline(time.Now().Add(eventBound)))
	for {
		_, frame, err := r.ws.ReadMessage()
		require.NoError(r.t, err, "waiting for a %s frame", typ)
		env, err := protocol.Decode(frame)
		require.NoError(r.t, err)
		if env.Type == typ {
			return env
		}
	}
}

// closed reads until the fleet closes the link and returns its close code.
func (r *linkedTerminal) closed() int {
	r.t.Helper()
	require.NoError(r.t, r.ws.SetReadDeadline(time.Now().Add(eventBound)))
	for {
		_, _, err := r.ws.ReadMessage()
		if err == nil {
			continue
		}
		var ce *websocket.CloseError
		require.Truef(r.t, errors.As(err, &ce), "link ended without a close frame: %v", err)
		return ce.Code
	}
}

// A CLI revocation against a running fleet goes through its admin socket
// and drops the terminal's link at once; the audit names the OS user.
func TestCLIRevokeDropsTheLinkAtOnce(t *testing.T) {
	f := newFleet(t)
	term := connectRaw(t, f, "kallio")

	start := time.Now()
	out, _ := run(t, "", 0, "piste-fleet", "terminal", "revoke", "--data", f.data, "--id", term.id)
	assert.Contains(t, out, "the running server dropped its link")
	assert.Equal(t, protocol.CloseUnauthorized, term.closed(), "the fleet must close the link as unauthorized")
	t.Logf("link closed %s after the CLI started", time.Since(start).Round(time.Millisecond))

	var audit []struct{ Actor, Action, Target string }
	require.Equal(t, 200, f.call("GET", "/api/v1/audit", f.token, nil, &audit))
	require.NotEmpty(t, audit)
	var found bool
	for _, e := range audit {
		if e.Action == "revoke" && e.Target == term.id {
			found = true
			assert.True(t, strings.HasPrefix(e.Actor, "cli:"), "audited as the CLI's OS user, got %q", e.Actor)
		}
	}
	assert.True(t, found, "the revocation is audited")

	// The terminal cannot come back.
	_, resp, err := websocket.DefaultDialer.Dial("ws://"+f.addr+protocol.Path,
		http.Header{"Authorization": {"Bearer nothing-known"}})
	require.Error(t, err)
	assert.Equal(t, 401, resp.StatusCode)
}

// A CLI policy apply reaches the connected terminals of its scope at once,
// and only them.
func TestCLIPolicyApplyReachesConnectedTerminals(t *testing.T) {
	f := newFleet(t)
	kallio := connectRaw(t, f, "kallio")
	oodi := connectRaw(t, f, "oodi")
	var p struct {
		Session struct {
			MaxMinutes int `json:"max_minutes"`
		} `json:"session"`
	}
	require.NoError(t, protocol.DecodeBody(kallio.next(protocol.TypePolicy), &p))
	assert.Equal(t, 60, p.Session.MaxMinutes, "the shipped default on connect")
	oodi.next(protocol.TypePolicy)

	file := filepath.Join(t.TempDir(), "kallio.yaml")
	require.NoError(t, os.WriteFile(file, []byte("session:\n  max_minutes: 45\n"), 0o644))
	out, _ := run(t, "", 0, "piste-fleet", "policy", "apply", "--data", f.data, "--scope", "branch:kallio", file)
	assert.Contains(t, out, "sent to the connected terminals")
	require.NoError(t, protocol.DecodeBody(kallio.next(protocol.TypePolicy), &p))
	assert.Equal(t, 45, p.Session.MaxMinutes)

	// Oodi is outside the scope: a fleet-wide change is the next policy
	// it sees, not Kallio's.
	require.NoError(t, os.WriteFile(file, []byte("session:\n  max_minutes: 50\n"), 0o644))
	run(t, "", 0, "piste-fleet", "policy", "apply", "--data", f.data, "--scope", "fleet", file)
	require.NoError(t, protocol.DecodeBody(oodi.next(protocol.TypePolicy), &p))
	assert.Equal(t, 50, p.Session.MaxMinutes)
	require.NoError(t, protocol.DecodeBody(kallio.next(protocol.TypePolicy), &p))
	assert.Equal(t, 45, p.Session.MaxMinutes, "the branch layer still wins for Kallio")

	// A bad policy is refused by the running server with the key named.
	require.NoError(t, os.WriteFile(file, []byte("session:\n  max_minuts: 5\n"), 0o644))
	_, stderr := run(t, "", 1, "piste-fleet", "policy", "apply", "--data", f.data, "--scope", "fleet", file)
	assert.Contains(t, stderr, "max_minuts")
}

// With no server running (here one that crashed and left its socket) the
// CLI works on the data directory as before.
func TestCLIWorksOnTheDataDirectoryWithoutServer(t *testing.T) {
	f := newFleet(t)
	term := connectRaw(t, f, "kallio")
	term.ws.Close()
	f.proc.stop(syscall.SIGKILL) // leaves a stale socket: refused, so the CLI goes direct
	out, _ := run(t, "", 0, "piste-fleet", "terminal", "revoke", "--data", f.data, "--id", term.id)
	assert.Equal(t, "terminal "+term.id+" revoked\n", out)
	out, _ = run(t, "", 0, "piste-fleet", "terminal", "list", "--data", f.data)
	assert.Contains(t, out, term.id)
	assert.Contains(t, out, "revoked")
}
