package packages

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// machine is the installed fleet and agent running as their units say,
// with a SIP2 test server for card logins and an X server for the
// visitor's display. systemd is not PID 1 here, so the test starts the
// units' ExecStart lines itself, as their accounts, and restarts them
// like Restart=always would.
type machine struct {
	t       *testing.T
	display string // e.g. ":93"
	sip2    *service
	fleet   *service
	agent   *service
	visitor account
	kiosk   account
	fleetU  account
}

const socket = "/run/piste/agent.sock"

func startMachine(t *testing.T) *machine {
	m := &machine{t: t, visitor: lookupAccount(t, visitorName), kiosk: lookupAccount(t, kioskName), fleetU: lookupAccount(t, fleetName)}
	t.Cleanup(m.stop)

	bin := t.TempDir()
	build := exec.Command("go", "build", "-o", bin+"/", "piste/testing/cmd/piste-sip2-server")
	b, err := build.CombinedOutput()
	require.NoError(t, err, "%s", b)
	sip2Addr := freePort(t)
	m.sip2 = runService("sip2", func() *exec.Cmd { return exec.Command(filepath.Join(bin, "piste-sip2-server"), "--addr", sip2Addr) })

	data := "/var/lib/piste-fleet"
	asFleet := func(stdin string, args ...string) string {
		cmd := m.fleetU.command(nil, append([]string{"/usr/bin/piste-fleet"}, args...)...)
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "piste-fleet %v: %s", args, out)
		return string(out)
	}
	login := filepath.Join(data, "sip2-login")
	require.NoError(t, os.WriteFile(login, []byte("scclient:clientpwd\n"), 0o600))
	require.NoError(t, os.Chown(login, int(m.fleetU.uid), int(m.fleetU.gid)))
	asFleet("", "branch", "add", "--data", data, "--id", "kallio", "--name", "Kallio")
	policy := filepath.Join(data, "policy.yaml")
	require.NoError(t, os.WriteFile(policy, []byte("session:\n  idle_logout_minutes: 2\nwipe:\n  grace_seconds: 1\nhours:\n  timezone: UTC\n"), 0o600))
	require.NoError(t, os.Chown(policy, int(m.fleetU.uid), int(m.fleetU.gid)))
	asFleet("", "policy", "apply", "--data", data, "--scope", "fleet", policy)

	addr := freePort(t)
	argv := append(execStart(t, "piste-fleet.service"), "--addr", addr, "--metrics-addr", "127.0.0.1:0", "--heartbeat", "1s",
		"--sip2", sip2Addr, "--sip2-login-file", login, "--sip2-institution", "UWOLS")
	m.fleet = runService("fleet", func() *exec.Cmd { return m.fleetU.command(nil, argv...) })
	eventually(t, 20*time.Second, func() bool {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil && resp.StatusCode == 200
	}, "the installed fleet did not come up", m.fleet.output)

	code := strings.TrimSpace(asFleet("", "enroll-code", "--data", data, "--branch", "kallio", "--uses", "1", "--ttl", "1h"))
	enroll := exec.Command("/usr/bin/piste-agent", "enroll", "--server", "http://"+addr, "--code", "-", "--state", "/var/lib/piste-agent", "--name", "pc-1")
	enroll.Stdin = strings.NewReader(code + "\n")
	b, err = enroll.CombinedOutput()
	require.NoError(t, err, "enroll: %s", b)
	require.Contains(t, string(b), "enrolled as")

	m.pickDisplay(t)
	argv = execStart(t, "piste-agent.service")
	for i, a := range argv {
		if a == ":0" {
			argv[i] = m.display
		}
	}
	argv = append(argv, "--power-dry-run", "-v")
	m.agent = runService("agent", func() *exec.Cmd { return exec.Command(argv[0], argv[1:]...) })
	eventually(t, 30*time.Second, func() bool { return m.status()["state"] == "idle" }, "the installed agent is not idle", m.agent.output)
	eventually(t, 30*time.Second, func() bool {
		b, err := os.ReadFile("/var/lib/piste-agent/policy.json")
		return err == nil && strings.Contains(strings.ReplaceAll(string(b), " ", ""), `"idle_logout_minutes":2`)
	}, "the agent did not get the policy", m.agent.output)
	return m
}

// pickDisplay chooses a free X display number for the visitor's session;
// the display manager starts its X server.
func (m *machine) pickDisplay(t *testing.T) {
	for n := 130; n < 170; n++ {
		if _, err := os.Stat(fmt.Sprintf("/tmp/.X11-unix/X%d", n)); err == nil {
			continue
		}
		if _, err := os.Stat(fmt.Sprintf("/tmp/.X%d-lock", n)); err == nil {
			continue
		}
		m.display = fmt.Sprintf(":%d", n)
		return
	}
	t.Fatal("no free X display")
}

// ctl runs piste-agent ctl on the package's socket as the account (nil: root).
func (m *machine) ctl(as *account, stdin string, args ...string) (string, error) {
	argv := append([]string{"/usr/bin/piste-agent", "ctl", "--socket", socket}, args...)
	var cmd *exec.Cmd
	if as == nil {
		cmd = exec.Command(argv[0], argv[1:]...)
	} else {
		cmd = as.command(nil, argv...)
	}
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func (m *machine) status() map[string]any {
	out, err := m.ctl(nil, "", "status")
	if err != nil {
		return nil
	}
	var st map[string]any
	if json.Unmarshal([]byte(out), &st) != nil {
		return nil
	}
	return st
}

func (m *machine) stop() {
	for _, s := range []*service{m.agent, m.fleet, m.sip2} {
		if s != nil {
			select {
			case <-s.stopCh:
			default:
				s.stop()
			}
		}
	}
}

// checkSocket: root and the kiosk account reach the agent's local API;
// the visitor account cannot even reach its socket.
func (m *machine) checkSocket(t *testing.T) {
	checkMode(t, socket, 0o660, "root", kioskName)
	_, err := m.ctl(nil, "", "status")
	assert.NoError(t, err, "root")
	out, err := m.ctl(&m.kiosk, "", "status")
	assert.NoError(t, err, "the kiosk account: %s", out)
	assert.Contains(t, out, `"state"`)
	out, err = m.ctl(&m.visitor, "", "status")
	assert.Error(t, err, "the visitor account must not reach the agent")
	assert.Contains(t, out, "permission denied")
}
