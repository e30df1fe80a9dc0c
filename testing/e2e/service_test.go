package e2e

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The agent installs as a system service, starts, comes online, stops and
// uninstalls without leaving files behind.
func TestAgentAsSystemService(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("installing a system service needs root (CI runs as root)")
	}
	if _, err := os.Stat("/etc/init.d/piste-agent"); err == nil {
		t.Skip("a piste-agent service is already installed on this machine; not touching it")
	}
	f := newFleet(t)
	a := enrollAgent(t, f, "kallio", "service-pc")
	out, _ := run(t, "", 0, "piste-agent", "install", "--state", a.state, "--power-dry-run")
	platform := out
	t.Cleanup(func() {
		exec := func(args ...string) { runQuiet(append(args, "--state", a.state)...) }
		exec("stop")
		exec("uninstall")
	})
	run(t, "", 0, "piste-agent", "start", "--state", a.state)
	eventually(t, 30*time.Second, func() bool { return f.terminal(a.id).Status == "online" },
		"service-started agent did not come online ("+platform+")")
	assert.Equal(t, true, a.linkField("connected"))

	run(t, "", 0, "piste-agent", "stop", "--state", a.state)
	eventually(t, 15*time.Second, func() bool { return f.terminal(a.id).Status == "offline" }, "stopped service still online")
	run(t, "", 0, "piste-agent", "uninstall", "--state", a.state)
	_, err := os.Stat("/etc/init.d/piste-agent")
	assert.True(t, os.IsNotExist(err), "init script left behind")
	links, _ := filepath.Glob("/etc/rc[0-6S].d/*piste-agent")
	assert.Empty(t, links, "runlevel links left behind")
	_, err = os.Stat("/etc/systemd/system/piste-agent.service")
	require.True(t, os.IsNotExist(err), "systemd unit left behind")
}
