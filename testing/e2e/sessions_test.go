package e2e

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"piste/testing/osuser"
)

// Visitor sessions through the real binaries: piste-fleet talking SIP2 to
// piste-sip2-server, and piste-agent driven with `piste-agent ctl`. Every
// session ends with the real privacy wipe of a real account, so these
// tests need root.

var buildSIP2 = sync.OnceValue(func() error {
	out, err := exec.Command("go", "build", "-o", binDir+"/", "piste/testing/cmd/piste-sip2-server").CombinedOutput()
	if err != nil {
		return fmt.Errorf("build piste-sip2-server: %v: %s", err, out)
	}
	return nil
})

func requireRootE2E(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: every session ends with the privacy wipe of a real account (CI runs as root)")
	}
	if _, err := exec.LookPath("useradd"); err != nil {
		t.Skip("needs useradd to create the kiosk account")
	}
}

// kiosk is a real OS account for visitors, with its skeleton.
type kiosk struct {
	name     string
	uid, gid int
	home     string
	skel     string
}

func newKiosk(t *testing.T) kiosk {
	t.Helper()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	k := kiosk{name: "piste-e" + hex.EncodeToString(b)}
	base := t.TempDir()
	require.NoError(t, os.Chmod(base, 0o755))
	require.NoError(t, os.Chmod(filepath.Dir(base), 0o755))
	k.home, k.skel = filepath.Join(base, "home"), filepath.Join(base, "skel")
	out, err := exec.Command("useradd", "--no-create-home", "--home-dir", k.home, "--shell", "/bin/sh", "--user-group", k.name).CombinedOutput()
	require.NoError(t, err, "useradd: %s", out)
	t.Cleanup(func() {
		osuser.KillAll(k.uid)
		osuser.UnmountBelow(k.home)
		if out, err := exec.Command("userdel", k.name).CombinedOutput(); err != nil {
			t.Errorf("userdel %s: %v: %s", k.name, err, out)
		}
	})
	u, err := user.Lookup(k.name)
	require.NoError(t, err)
	k.uid, _ = strconv.Atoi(u.Uid)
	k.gid, _ = strconv.Atoi(u.Gid)
	require.NoError(t, os.Mkdir(k.home, 0o700))
	require.NoError(t, os.Chown(k.home, k.uid, k.gid))
	require.NoError(t, os.MkdirAll(filepath.Join(k.skel, ".config"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(k.skel, ".profile"), []byte("# kiosk\n"), 0o644))
	return k
}

// plant writes a file as the visitor would, relative to the home.
func (k kiosk) plant(t *testing.T, rel, text string) string {
	t.Helper()
	p := filepath.Join(k.home, rel)
	require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
	require.NoError(t, os.WriteFile(p, []byte(text), 0o600))
	require.NoError(t, os.Chown(filepath.Dir(p), k.uid, k.gid))
	require.NoError(t, os.Chown(p, k.uid, k.gid))
	return p
}

// process starts a long-lived process as the visitor.
func (k kiosk) process(t *testing.T, argv ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Credential: &syscall.Credential{Uid: uint32(k.uid), Gid: uint32(k.gid)}}
	require.NoError(t, cmd.Start())
	go func() { _ = cmd.Wait() }()
	return cmd
}

// startSIP2 runs the SIP2 test server and returns its address.
func startSIP2(t *testing.T) string {
	t.Helper()
	require.NoError(t, buildSIP2())
	addr := freeAddr(t)
	p := start(t, "piste-sip2-server", "--addr", addr)
	eventually(t, 10*time.Second, func() bool { return strings.Contains(p.output(), "listening") }, "SIP2 test server did not start", p.output)
	return addr
}

// visitorSetup is a fleet with SIP2, a kiosk account and one enrolled agent.
type visitorSetup struct {
	f     *fleet
	a     *agent
	k     kiosk
	sip2  []string
	extra string // policy keys added to every apply
}

// sip2LoginFile writes the SIP2 test server's login to a private file: a
// password is never given on the command line.
func sip2LoginFile(t *testing.T) string {
	path := filepath.Join(t.TempDir(), "sip2-login")
	require.NoError(t, os.WriteFile(path, []byte("scclient:clientpwd\n"), 0o600))
	return path
}

func newVisitorSetup(t *testing.T, policyYAML string) *visitorSetup {
	requireRootE2E(t)
	s := &visitorSetup{k: newKiosk(t)}
	addr := startSIP2(t)
	s.sip2 = []string{"--heartbeat", "1s", "--sip2", addr, "--sip2-login-file", sip2LoginFile(t), "--sip2-institution", "UWOLS"}
	s.f = newFleet(t, s.sip2...)
	s.applyPolicy(t, policyYAML)
	s.a = enrollAgent(t, s.f, "kallio", "pc-1")
	s.a.config = s.k.agentConfig(t)
	s.a.start()
	s.waitPolicy(t, s.k.name)
	eventually(t, 10*time.Second, func() bool { return s.a.tryStatus()["state"] == "idle" }, "agent not idle", s.a.proc.output)
	return s
}

// applyPolicy applies a fleet-wide policy that runs sessions as the kiosk
// account, plus the given keys.
func (s *visitorSetup) applyPolicy(t *testing.T, sessionKeys string) {
	t.Helper()
	text := fmt.Sprintf("session:\n  kiosk_user: %s\n%s\nwipe:\n  skeleton: %s\n  grace_seconds: 1\nhours:\n  timezone: UTC\n",
		s.k.name, indent(sessionKeys), s.k.skel)
	file := filepath.Join(t.TempDir(), "policy.yaml")
	require.NoError(t, os.WriteFile(file, []byte(text), 0o644))
	run(t, "", 0, "piste-fleet", "policy", "apply", "--data", s.f.data, "--scope", "fleet", file)
}

func indent(keys string) string {
	var b strings.Builder
	for _, l := range lines(keys) {
		b.WriteString("  " + l + "\n")
	}
	return b.String()
}

// waitPolicy waits until the agent has saved a policy containing want.
func (s *visitorSetup) waitPolicy(t *testing.T, want string) {
	t.Helper()
	eventually(t, 30*time.Second, func() bool {
		b, err := os.ReadFile(filepath.Join(s.a.state, "policy.json"))
		return err == nil && strings.Contains(string(b), want)
	}, "agent did not receive the policy with "+want, s.a.proc.output)
}

// ctl runs piste-agent ctl and returns stdout and stderr.
func (s *visitorSetup) ctl(t *testing.T, stdin string, wantCode int, args ...string) (string, string) {
	t.Helper()
	return run(t, stdin, wantCode, "piste-agent", append([]string{"ctl", "--state", s.a.state}, args...)...)
}

func (s *visitorSetup) login(t *testing.T, card, pin string, wantCode int) string {
	t.Helper()
	_, stderr := s.ctl(t, pin+"\n", wantCode, "login", "--card", card, "--pin-stdin")
	return stderr
}

func (s *visitorSetup) session(t *testing.T) map[string]any {
	t.Helper()
	sess, _ := s.a.ctlStatus()["session"].(map[string]any)
	return sess
}

func (s *visitorSetup) waitState(t *testing.T, timeout time.Duration, want string) {
	t.Helper()
	eventually(t, timeout, func() bool { return s.a.tryStatus()["state"] == want }, "agent never reached state "+want,
		func() string { return fmt.Sprint(s.a.tryStatus()) }, s.a.proc.output)
}

func TestCardLoginRefusalsExtendAndEnd(t *testing.T) {
	s := newVisitorSetup(t, "max_minutes: 30\nwarn_minutes: [5, 1]\nextend_minutes: 10\nmax_extensions: 1")

	for _, tc := range []struct{ name, card, pin, code string }{
		{"wrong PIN", "20000001", "9999", "wrong_card_or_pin"},
		{"unknown card", "29999999", "1234", "wrong_card_or_pin"},
		{"blocked", "20000004", "1234", "blocked"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stderr := s.login(t, tc.card, tc.pin, 1)
			assert.Contains(t, stderr, "refused: "+tc.code)
			st := s.a.ctlStatus()
			assert.Equal(t, "idle", st["state"])
			ref, _ := st["refusal"].(map[string]any)
			assert.Equal(t, tc.code, ref["code"], "the kiosk shows why")
		})
	}

	s.login(t, "20000001", "1234", 0)
	st := s.a.ctlStatus()
	require.Equal(t, "active", st["state"])
	sess := s.session(t)
	assert.Equal(t, "card", sess["kind"])
	assert.InDelta(t, 30, sess["minutes_left"], 1)
	assert.Equal(t, true, sess["can_extend"])

	s.ctl(t, "", 0, "extend")
	sess = s.session(t)
	assert.InDelta(t, 40, sess["minutes_left"], 1, "extended by extend_minutes")
	assert.EqualValues(t, 1, sess["extensions"])
	_, stderr := s.ctl(t, "", 1, "extend")
	assert.Contains(t, stderr, "refused: quota_exhausted", "max_extensions is 1")

	s.ctl(t, "", 0, "end")
	assert.Contains(t, []any{"ending", "wiping", "idle"}, s.a.ctlStatus()["state"])
	s.waitState(t, 30*time.Second, "idle")
	assert.Nil(t, s.a.ctlStatus()["session"])
	eventually(t, 10*time.Second, func() bool { return countEvents(t, s.f, "session") == 2 }, "start and end events at the fleet")
}

func TestFleetDownMidSession(t *testing.T) {
	s := newVisitorSetup(t, "max_minutes: 1\nwalkup_minutes: 1\nwarn_minutes: []")
	s.login(t, "20000002", "1234", 0)
	require.Equal(t, "active", s.a.ctlStatus()["state"])
	eventually(t, 10*time.Second, func() bool { return countEvents(t, s.f, "session") == 1 }, "session start not at the fleet")
	s.f.proc.stop(syscall.SIGKILL)
	eventually(t, 10*time.Second, func() bool { return s.a.linkField("connected") == false }, "link still up")

	// The clock runs on the agent: the one-minute session ends on time.
	s.waitState(t, 90*time.Second, "idle")
	assert.Equal(t, 1, countEvents(t, s.f, "session"), "the end is not delivered while the fleet is down")

	s.f.serve(s.sip2...)
	eventually(t, 60*time.Second, func() bool { return countEvents(t, s.f, "session") == 2 }, "session events not delivered after the outage")
	eventually(t, 10*time.Second, func() bool { return countEvents(t, s.f, "wipe") == 1 }, "wipe receipt not delivered")
	var active []map[string]any
	require.Equal(t, 200, s.f.call("GET", "/api/v1/sessions?active=true", s.f.token, nil, &active))
	assert.Empty(t, active, "the fleet knows the session ended")
}

func TestFleetDownAtWelcome(t *testing.T) {
	s := newVisitorSetup(t, "offline: deny\nmax_minutes: 20\nwalkup_minutes: 15")

	s.f.proc.stop(syscall.SIGTERM)
	// Offline rules apply only once the agent knows the link is down.
	eventually(t, 10*time.Second, func() bool { return s.a.linkField("connected") == false }, "link still up")
	stderr := s.login(t, "20000001", "1234", 1)
	assert.Contains(t, stderr, "refused: offline_denied")

	s.f.serve(s.sip2...)
	s.applyPolicy(t, "offline: allow_walkup\nmax_minutes: 20\nwalkup_minutes: 15")
	s.waitPolicy(t, `"offline": "allow_walkup"`)
	s.f.proc.stop(syscall.SIGTERM)
	eventually(t, 10*time.Second, func() bool { return s.a.linkField("connected") == false }, "link still up")

	s.login(t, "20000001", "1234", 0)
	sess := s.session(t)
	assert.Equal(t, "walkup", sess["kind"])
	assert.InDelta(t, 15, sess["minutes_left"], 1)
	s.ctl(t, "", 0, "end")
	s.waitState(t, 30*time.Second, "idle")

	s.f.serve(s.sip2...)
	eventually(t, 60*time.Second, func() bool { return countEvents(t, s.f, "session") == 2 }, "walk-up session reported once the fleet is back")
}

// No session runs past closing: the grant is cut to the closing time, the
// kiosk is told so, and the session ends then and wipes.
func TestSessionEndsAtClosing(t *testing.T) {
	now := time.Now().UTC()
	closing := now.Add(90 * time.Second).Truncate(time.Minute).Add(time.Minute)
	if closing.Day() != now.Day() {
		t.Skip("closing would fall after midnight UTC; the opening interval cannot cross days")
	}
	s := newVisitorSetup(t, "max_minutes: 60\nwarn_minutes: [1]")
	day := strings.ToLower(now.Weekday().String()[:3])
	text := fmt.Sprintf("session:\n  kiosk_user: %s\n  max_minutes: 60\n  warn_minutes: [1]\n  end_before_closing_minutes: 0\n"+
		"wipe:\n  skeleton: %s\n  grace_seconds: 1\nhours:\n  timezone: UTC\n  weekly:\n    %s: \"00:00-%s\"\n",
		s.k.name, s.k.skel, day, closing.Format("15:04"))
	file := filepath.Join(t.TempDir(), "closing.yaml")
	require.NoError(t, os.WriteFile(file, []byte(text), 0o644))
	run(t, "", 0, "piste-fleet", "policy", "apply", "--data", s.f.data, "--scope", "fleet", file)
	s.waitPolicy(t, closing.Format("15:04"))

	s.login(t, "20000001", "1234", 0)
	sess := s.session(t)
	require.NotNil(t, sess)
	assert.Equal(t, true, sess["ends_at_closing"], "the kiosk must say the session ends at closing: %v", sess)
	endsAt, err := time.Parse(time.RFC3339Nano, sess["ends_at"].(string))
	require.NoError(t, err)
	assert.False(t, endsAt.After(closing), "session ends at %s, after closing at %s", endsAt, closing)

	s.waitState(t, time.Until(closing)+60*time.Second, "idle")
	// Grants are whole minutes, so the end may come up to a minute early; never late.
	assert.False(t, time.Now().Before(closing.Add(-61*time.Second)), "the session ended long before closing")
	eventually(t, 20*time.Second, func() bool { return countEvents(t, s.f, "wipe") >= 1 }, "no wipe receipt after the closing-time end")
	stderr := s.login(t, "20000001", "1234", 1)
	assert.Contains(t, stderr, "closed", "after closing no one logs in")
}
