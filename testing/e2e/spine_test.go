package e2e

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	_ "modernc.org/sqlite"

	"piste/fleet/protocol"
	"piste/testing/sim"
)

// A real agent enrolls, comes online with health, and runs a command.
func TestAgentEnrollsReportsAndObeys(t *testing.T) {
	f := newFleet(t, "--heartbeat", "1s")
	a := enrollAgent(t, f, "kallio", "kallio-pc-1")
	a.start()

	eventually(t, 20*time.Second, func() bool {
		tv := f.terminal(a.id)
		return tv.Status == "online" && !tv.Health.At.IsZero()
	}, "agent did not come online with health", a.proc.output)
	tv := f.terminal(a.id)
	assert.Equal(t, "kallio-pc-1", tv.Name)
	assert.Equal(t, "kallio", tv.Branch)
	assert.NotEmpty(t, tv.AgentVersion)
	assert.Greater(t, tv.Health.UptimeSeconds, uint64(0))
	assert.Greater(t, tv.Health.DiskUsed, 0.0)

	id := f.command(a.id, "message", "The library closes in 15 minutes", "")
	eventually(t, 10*time.Second, func() bool { return f.commandStatus(id) == "done" }, "message command not done")
	st := a.ctlStatus()
	msg, _ := st["message"].(map[string]any)
	require.NotNil(t, msg, "ctl status shows no message: %v", st)
	assert.Equal(t, "The library closes in 15 minutes", msg["text"])
	link, _ := st["link"].(map[string]any)
	assert.Equal(t, true, link["connected"])

	id = f.command(a.id, "lock", "", "")
	eventually(t, 10*time.Second, func() bool { return f.terminal(a.id).Status == "out_of_service" }, "lock did not put the terminal out of service")
	assert.Equal(t, "done", f.commandStatus(id))
	f.command(a.id, "unlock", "", "")
	eventually(t, 10*time.Second, func() bool { return f.terminal(a.id).Status == "online" }, "unlock did not bring it back")
}

// Fleet killed with SIGKILL while terminals stream events: after the
// restart every event is stored exactly once, and every terminal is back.
func TestFleetCrashLosesAndDuplicatesNothing(t *testing.T) {
	f := newFleet(t, "--heartbeat", "1s")
	a := enrollAgent(t, f, "kallio", "real-pc")
	a.start()
	code := f.enrollCode("oodi", 20, "1h")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s, err := sim.Start(ctx, sim.Config{Server: f.url, Code: code, Terminals: 20, Heartbeat: time.Hour})
	require.NoError(t, err)
	eventually(t, 30*time.Second, func() bool { return s.Online() == 20 }, "simulated terminals did not come online")

	const perTerminal = 400
	sent := 0
	done := make(chan struct{})
	go func() { // stream while the fleet dies
		defer close(done)
		for i := 0; i < 8; i++ {
			sent += s.Emit(protocol.EventTest, perTerminal/8)
			time.Sleep(50 * time.Millisecond)
		}
	}()
	time.Sleep(150 * time.Millisecond)
	f.proc.stop(syscall.SIGKILL)
	<-done
	require.Greater(t, s.Pending(), 0, "the crash should leave events unacked")
	f.serve("--heartbeat", "1s")

	eventually(t, 90*time.Second, func() bool { return s.Pending() == 0 }, "events still unacked after restart", func() string { return fmt.Sprint(s.Pending(), " pending") })
	eventually(t, 60*time.Second, func() bool {
		for _, tv := range f.terminals() {
			if tv.Status == "offline" {
				return false
			}
		}
		return true
	}, "not every terminal came back online")
	assert.Equal(t, 20*perTerminal, sent)
	assert.Equal(t, sent, countEvents(t, f, protocol.EventTest), "stored test events")
}

func countEvents(t *testing.T, f *fleet, kind string) int {
	db, err := sql.Open("sqlite", "file:"+filepath.Join(f.data, "piste.db")+"?mode=ro&_pragma=busy_timeout(5000)")
	require.NoError(t, err)
	defer db.Close()
	var n, distinct int
	require.NoError(t, db.QueryRow(`SELECT COUNT(*), COUNT(DISTINCT terminal_id || '/' || epoch || '/' || seq) FROM events WHERE kind = ?`, kind).Scan(&n, &distinct))
	require.Equal(t, n, distinct, "an event is stored twice")
	return n
}

// A command for an offline terminal waits in the queue and is delivered
// when it reconnects; one whose TTL passes first expires.
func TestOfflineCommandsQueueAndExpire(t *testing.T) {
	f := newFleet(t)
	a := enrollAgent(t, f, "kallio", "pc")
	a.start()
	eventually(t, 20*time.Second, func() bool { return f.terminal(a.id).Status == "online" }, "agent not online")
	a.proc.stop(syscall.SIGTERM)
	eventually(t, 10*time.Second, func() bool { return f.terminal(a.id).Status == "offline" }, "agent not offline")

	queued := f.command(a.id, "message", "Welcome back", "1h")
	expiring := f.command(a.id, "message", "Too late", "1s")
	time.Sleep(1500 * time.Millisecond)
	eventually(t, 10*time.Second, func() bool { return f.commandStatus(expiring) == "expired" }, "command did not expire")
	assert.Equal(t, "queued", f.commandStatus(queued))

	a.start()
	eventually(t, 20*time.Second, func() bool { return f.commandStatus(queued) == "done" }, "queued command not done after reconnect")
	assert.Equal(t, "expired", f.commandStatus(expiring))
	msg, _ := a.ctlStatus()["message"].(map[string]any)
	require.NotNil(t, msg)
	assert.Equal(t, "Welcome back", msg["text"], "the expired message must never show")
}

// A revoked terminal is dropped and cannot come back; wrong and used-up
// enrollment codes are refused with a reason.
func TestRevocationAndEnrollmentCodes(t *testing.T) {
	f := newFleet(t)
	a := enrollAgent(t, f, "kallio", "pc")
	a.start()
	eventually(t, 20*time.Second, func() bool { return f.terminal(a.id).Status == "online" }, "agent not online")

	require.Equal(t, 204, f.call("POST", "/api/v1/terminals/"+a.id+"/revoke", f.token, nil, nil))
	eventually(t, 10*time.Second, func() bool { return a.linkField("revoked") == true }, "agent does not report being revoked")
	eventually(t, 10*time.Second, func() bool { return a.tryStatus()["state"] == "out_of_service" },
		"a revoked terminal must be out of service")
	assert.Equal(t, "offline", f.terminal(a.id).Status)

	// Revoked with the CLI on the data dir while the server runs: the
	// server notices and drops the link too.
	b := enrollAgent(t, f, "kallio", "pc-2")
	b.start()
	eventually(t, 20*time.Second, func() bool { return f.terminal(b.id).Status == "online" }, "second agent not online")
	run(t, "", 0, "piste-fleet", "terminal", "revoke", "--data", f.data, "--id", b.id)
	eventually(t, 40*time.Second, func() bool { return b.linkField("revoked") == true }, "CLI revocation did not reach the running server")

	_, stderr := run(t, "WRNG-CODE-0000-0000\n", 1, "piste-agent", "enroll", "--server", f.url, "--code", "-", "--state", t.TempDir())
	assert.Contains(t, stderr, "enrollment code not recognised")

	code := f.enrollCode("kallio", 1, "1h")
	run(t, code+"\n", 0, "piste-agent", "enroll", "--server", f.url, "--code", "-", "--state", t.TempDir())
	_, stderr = run(t, code+"\n", 1, "piste-agent", "enroll", "--server", f.url, "--code", "-", "--state", t.TempDir())
	assert.Contains(t, stderr, "used up")

	expired := f.enrollCode("kallio", 1, "1s")
	time.Sleep(1100 * time.Millisecond)
	_, stderr = run(t, expired+"\n", 1, "piste-agent", "enroll", "--server", f.url, "--code", "-", "--state", t.TempDir())
	assert.Contains(t, stderr, "expired")
}

// Over TLS with a self-signed certificate, an agent pins the fingerprint
// the fleet printed, and refuses a server with another certificate.
func TestTLSPinning(t *testing.T) {
	f := &fleet{t: t, data: t.TempDir(), addr: freeAddr(t)}
	f.url = "https://" + f.addr
	run(t, "", 0, "piste-fleet", "branch", "add", "--data", f.data, "--id", "kallio", "--name", "Kallio")
	f.proc = start(t, "piste-fleet", "serve", "--data", f.data, "--addr", f.addr, "--tls", "on")
	var fingerprint string
	eventually(t, 10*time.Second, func() bool {
		for _, l := range lines(f.proc.output()) {
			if fp, ok := strings.CutPrefix(l, "TLS certificate fingerprint: "); ok {
				fingerprint = fp
				return true
			}
		}
		return false
	}, "fleet printed no fingerprint", f.proc.output)
	code := f.enrollCode("kallio", 2, "1h")

	wrong := "sha256:" + strings.Repeat("ab", 32)
	_, stderr := run(t, code+"\n", 1, "piste-agent", "enroll", "--server", f.url, "--code", "-", "--state", t.TempDir(), "--server-fingerprint", wrong)
	assert.Contains(t, stderr, "does not match the pinned")

	state := t.TempDir()
	run(t, code+"\n", 0, "piste-agent", "enroll", "--server", f.url, "--code", "-", "--state", state, "--server-fingerprint", fingerprint)
	a := &agent{t: t, state: state}
	a.start()
	eventually(t, 20*time.Second, func() bool { return a.linkField("connected") == true },
		"agent did not connect over pinned TLS", a.proc.output)

	_, stderr = run(t, code+"\n", 1, "piste-agent", "enroll", "--server", "http://192.0.2.1:8080", "--code", "-", "--state", t.TempDir())
	assert.Contains(t, stderr, "plain http is allowed only to localhost")
}

// restart_agent: the agent reports done, restarts in place (same process
// id, so a service manager sees no exit) and comes back online.
func TestRestartAgentCommand(t *testing.T) {
	f := newFleet(t)
	a := enrollAgent(t, f, "kallio", "pc")
	a.start()
	eventually(t, 20*time.Second, func() bool { return f.terminal(a.id).Status == "online" }, "agent not online")
	pid := a.proc.cmd.Process.Pid
	id := f.command(a.id, "restart_agent", "", "")
	eventually(t, 30*time.Second, func() bool { return f.commandStatus(id) == "done" }, "restart not reported done", a.proc.output)
	eventually(t, 30*time.Second, func() bool {
		return strings.Count(a.proc.output(), "agent starting") == 2 && a.linkField("connected") == true
	}, "agent did not restart and reconnect", a.proc.output)
	assert.Equal(t, pid, a.proc.cmd.Process.Pid)
	select {
	case <-a.proc.done:
		t.Fatal("the agent process exited instead of restarting in place")
	default:
	}
}
