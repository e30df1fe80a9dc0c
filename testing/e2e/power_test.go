package e2e

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// An awake agent of a branch wakes its offline neighbour: the fleet picks
// it as the relay, and it sends a well-formed magic packet for the
// neighbour's MAC address to its configured broadcast address (here a UDP
// socket of the test). A terminal of another branch is not woken, and
// another branch's admin cannot ask for it.
func TestWakeOnLANRelay(t *testing.T) {
	f := newFleet(t)
	capture, err := net.ListenPacket("udp4", "127.0.0.1:0")
	require.NoError(t, err)
	defer capture.Close()

	relay := enrollAgent(t, f, "kallio", "pc-relay")
	dir := t.TempDir()
	require.NoError(t, os.Chmod(dir, 0o755))
	require.NoError(t, os.Mkdir(filepath.Join(dir, "skel"), 0o755))
	relay.config = filepath.Join(dir, "agent.yaml")
	require.NoError(t, os.WriteFile(relay.config, []byte(fmt.Sprintf(
		"visitor_accounts: [piste-visitor]\nskeletons: [%s]\nwake_broadcast: [\"%s\"]\n", filepath.Join(dir, "skel"), capture.LocalAddr())), 0o644))
	relay.start()

	// Neighbours that enrolled with a MAC address and are now off.
	neighbour := enrollWithMAC(t, f, "kallio", "pc-asleep", "52:54:00:aa:bb:cc")
	enrollWithMAC(t, f, "oodi", "pc-elsewhere", "52:54:00:dd:ee:ff")
	eventually(t, 20*time.Second, func() bool { return f.terminal(relay.id).Status == "online" }, "relay not online", relay.proc.output)

	run(t, "oodi admin pw 1\n", 0, "piste-fleet", "user", "add", "--data", f.data, "--name", "oodi-admin", "--role", "admin", "--branch", "oodi")
	oodi := f.login("oodi-admin", "oodi admin pw 1")
	assert.Equal(t, 404, f.call("POST", "/api/v1/branches/kallio/wake", oodi, nil, nil), "another branch's admin cannot wake kallio")

	var wk struct {
		Relay   string   `json:"relay"`
		Targets []string `json:"targets"`
		Command string   `json:"command"`
	}
	require.Equal(t, 202, f.call("POST", "/api/v1/branches/kallio/wake", f.token, nil, &wk))
	assert.Equal(t, relay.id, wk.Relay)
	assert.Equal(t, []string{neighbour}, wk.Targets, "only the branch's offline PCs")

	buf := make([]byte, 1500)
	require.NoError(t, capture.SetReadDeadline(time.Now().Add(20*time.Second)))
	n, from, err := capture.ReadFrom(buf)
	require.NoError(t, err, "no magic packet: %s", relay.proc.output())
	mac, _ := net.ParseMAC("52:54:00:aa:bb:cc")
	want := append(bytes.Repeat([]byte{0xff}, 6), bytes.Repeat(mac, 16)...)
	assert.Equal(t, want, buf[:n], "magic packet from %s", from)
	eventually(t, 10*time.Second, func() bool { return f.commandStatus(wk.Command) == "done" }, "wake command not reported done")

	// No second packet (the other branch's PC is not among them).
	require.NoError(t, capture.SetReadDeadline(time.Now().Add(300*time.Millisecond)))
	_, _, err = capture.ReadFrom(buf)
	assert.Error(t, err, "one packet only")
}

// enrollWithMAC enrolls a terminal as an agent would, with a MAC address,
// and never connects it: a PC that is off.
func enrollWithMAC(t *testing.T, f *fleet, branch, name, mac string) string {
	t.Helper()
	var reply struct {
		TerminalID string `json:"terminal_id"`
	}
	code := f.enrollCode(branch, 1, "1h")
	require.Equal(t, 201, f.call("POST", "/api/v1/enroll", "", map[string]string{
		"code": code, "name": name, "hostname": name, "os": "linux/amd64", "agent_version": "test", "mac": mac}, &reply))
	return reply.TerminalID
}

// At closing the visitor is warned and the session ends as for any
// closing time; only then does the PC shut down on its power schedule.
// When the agent runs again it reports the span, which the hours-saved
// report counts.
func TestShutdownAfterClosingWarnsTheVisitorFirst(t *testing.T) {
	s := newVisitorSetup(t, "max_minutes: 60\nwarn_minutes: [1]")
	// Closing on the first whole minute that leaves time to apply the
	// policy and log in before the one-minute warning.
	now := time.Now().UTC()
	closing := now.Add(70 * time.Second).Add(time.Minute - time.Nanosecond).Truncate(time.Minute)
	if closing.Day() != now.Day() {
		t.Skip("closing would fall after midnight UTC; the opening interval cannot cross days")
	}
	day := strings.ToLower(now.Weekday().String()[:3])
	text := fmt.Sprintf("session:\n  kiosk_user: %s\n  max_minutes: 60\n  warn_minutes: [1]\n  end_before_closing_minutes: 0\n"+
		"wipe:\n  skeleton: %s\n  grace_seconds: 1\nhours:\n  timezone: UTC\n  weekly:\n    %s: \"00:00-%s\"\n"+
		"power:\n  enabled: true\n  shutdown_after_closing_minutes: 0\n",
		s.k.name, s.k.skel, day, closing.Format("15:04"))
	file := filepath.Join(t.TempDir(), "closing.yaml")
	require.NoError(t, os.WriteFile(file, []byte(text), 0o644))
	run(t, "", 0, "piste-fleet", "policy", "apply", "--data", s.f.data, "--scope", "fleet", file)
	s.waitPolicy(t, `"shutdown_after_closing_minutes": 0`)

	s.login(t, "20000001", "1234", 0)
	require.Equal(t, true, s.session(t)["ends_at_closing"])

	// Watch the kiosk's view through the local socket until the shutdown.
	const shutdownLine = "shutdown on the power schedule"
	var seen []string
	eventually(t, time.Until(closing)+60*time.Second, func() bool {
		if st, ok := s.a.tryStatus()["state"].(string); ok && (len(seen) == 0 || seen[len(seen)-1] != st) {
			seen = append(seen, st)
		}
		return strings.Contains(s.a.proc.output(), shutdownLine)
	}, "no scheduled shutdown", func() string { return fmt.Sprint(seen) }, s.a.proc.output)
	assert.Contains(t, seen, "warning", "the visitor was warned before closing: %v", seen)
	assert.Equal(t, "idle", s.a.ctlStatus()["state"], "the session ended before the shutdown")
	assert.False(t, time.Now().Before(closing), "no shutdown before closing")
	out := s.a.proc.output()
	assert.Less(t, strings.Index(out, "session ended"), strings.Index(out, shutdownLine), "the session ended first")

	// The machine comes back (here: the agent restarts) and reports the span.
	s.a.proc.stop(syscall.SIGTERM)
	s.a.start()
	var saved struct {
		Branches []struct {
			Branch string  `json:"branch"`
			Spans  int     `json:"spans"`
			Hours  float64 `json:"hours"`
		} `json:"branches"`
	}
	eventually(t, 30*time.Second, func() bool {
		require.Equal(t, 200, s.f.call("GET", "/api/v1/power/saved", s.f.token, nil, &saved))
		return len(saved.Branches) == 1 && saved.Branches[0].Spans == 1
	}, "the power-off span never reached the report", s.a.proc.output)
	assert.Equal(t, "kallio", saved.Branches[0].Branch)
	assert.Greater(t, saved.Branches[0].Hours, 0.0)
}
