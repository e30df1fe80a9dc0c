package localapi_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"piste/agent/localapi"
	"piste/agent/localapi/localapitest"
)

// peerHelperEnv makes the test binary act as a client of the socket it
// names instead of running tests (see TestMain).
const peerHelperEnv = "PISTE_LOCALAPI_PEER_SOCKET"

func TestMain(m *testing.M) {
	if path := os.Getenv(peerHelperEnv); path != "" {
		os.Exit(peerHelper(path))
	}
	os.Exit(m.Run())
}

// peerHelper asks the agent for its status and prints the state it got.
func peerHelper(path string) int {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	st, err := localapi.NewClient(path).Status(ctx)
	if err != nil {
		fmt.Println("refused:", err)
		return 3
	}
	fmt.Println("state:", st.State)
	return 0
}

func TestPeerCredentials(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to run a client as another user")
	}
	const allowedUID, strangerUID = 65534, 65533
	dir := localapitest.SocketDir(t)
	// Open the directory and the socket to everyone, so that only the
	// peer-credential check stands between a stranger and the agent.
	require.NoError(t, os.Chmod(dir, 0o755))
	bin := filepath.Join(dir, "client")
	copyExecutable(t, os.Args[0], bin)
	path := filepath.Join(dir, "agent.sock")
	ln, err := localapi.Listen(path, localapi.Access{AllowUIDs: []int{allowedUID}, Group: -1})
	require.NoError(t, err)
	require.NoError(t, os.Chmod(path, 0o666))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go localapi.Serve(ctx, ln, localapitest.NewScripted(idle()))

	tests := []struct {
		name    string
		uid     uint32
		allowed bool
	}{
		{"root", 0, true},
		{"kiosk user", allowedUID, true},
		{"stranger", strangerUID, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(bin)
			cmd.Env = []string{peerHelperEnv + "=" + path}
			cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: tc.uid, Gid: tc.uid}}
			out, err := cmd.CombinedOutput()
			if tc.allowed {
				require.NoError(t, err, "%s", out)
				assert.Contains(t, string(out), "state: idle")
				return
			}
			require.Error(t, err, "%s", out)
			assert.Contains(t, string(out), "refused:")
			assert.NotContains(t, string(out), "permission denied", "the peer check, not file modes, must refuse")
		})
	}
}

func copyExecutable(t *testing.T, from, to string) {
	t.Helper()
	src, err := os.Open(from)
	require.NoError(t, err)
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
	require.NoError(t, err)
	_, err = io.Copy(dst, src)
	require.NoError(t, err)
	require.NoError(t, dst.Close())
}
