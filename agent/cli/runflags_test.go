package cli

import (
	"flag"
	"io"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The service manager starts the agent with the arguments install gave
// it: a named config must reach the running agent, as an absolute path.
func TestServiceArgumentsCarryTheConfig(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"default config", []string{"--state", "/var/lib/piste"}, []string{"run", "--state", "/var/lib/piste"}},
		{"named config", []string{"--state", "/var/lib/piste", "--config", "/etc/piste/lobby.yaml"},
			[]string{"run", "--state", "/var/lib/piste", "--config", "/etc/piste/lobby.yaml"}},
		{"relative config", []string{"--state", "/s", "--config", "agent.yaml", "--power-dry-run"},
			[]string{"run", "--state", "/s", "--config", must(filepath.Abs("agent.yaml")), "--power-dry-run"}},
		{"socket and display", []string{"--state", "/s", "--socket", "agent.sock", "--idle-display", ":0", "--kiosk-user", "piste-kiosk"},
			[]string{"run", "--state", "/s", "--kiosk-user", "piste-kiosk", "--socket", must(filepath.Abs("agent.sock")), "--idle-display", ":0"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs := flag.NewFlagSet("install", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			var rf runFlags
			rf.register(fs)
			require.NoError(t, fs.Parse(tc.args))
			require.NoError(t, rf.absolute())
			assert.Equal(t, tc.want, rf.args())
		})
	}
}

func must(s string, err error) string {
	if err != nil {
		panic(err)
	}
	return s
}
