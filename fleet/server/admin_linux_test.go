//go:build linux

package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// adminPeerEnv makes the test binary act as a client of the admin socket
// it names instead of running tests (see TestMain).
const adminPeerEnv = "PISTE_FLEET_ADMIN_PEER_SOCKET"

func TestMain(m *testing.M) {
	if path := os.Getenv(adminPeerEnv); path != "" {
		os.Exit(adminPeer(path))
	}
	os.Exit(m.Run())
}

// adminPeer asks the admin socket who it is and prints the answer.
func adminPeer(path string) int {
	name, err := whoAmI(path)
	if err != nil {
		fmt.Println("refused:", err)
		return 3
	}
	fmt.Println("user:", name)
	return 0
}

func whoAmI(path string) (string, error) {
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", path)
		},
	}}
	resp, err := client.Get("http://fleet/api/v1/auth/me")
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var me struct{ Name, Role string }
	if err := json.NewDecoder(resp.Body).Decode(&me); err != nil {
		return "", err
	}
	return me.Name + " " + me.Role, nil
}

func TestAdminSocketServesTheAPIAsLocalAdmin(t *testing.T) {
	f := newTestFleet(t)
	path := AdminSocketPath(f.srv.cfg.DataDir)
	info, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm(), "only the server's user may open the socket")
	me, err := whoAmI(path)
	require.NoError(t, err)
	assert.Equal(t, "cli:"+userName(os.Getuid())+" admin", me)

	second, err := New(Config{Addr: "127.0.0.1:0", DataDir: f.srv.cfg.DataDir}, f.srv.log)
	require.NoError(t, err)
	err = second.Start()
	assert.ErrorContains(t, err, "another piste-fleet already serves", "a second server must not take over the socket")
	second.Shutdown(context.Background())
	_, err = whoAmI(path)
	assert.NoError(t, err, "the first server still answers")

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, f.srv.Shutdown(ctx))
	_, err = os.Stat(path)
	assert.ErrorIs(t, err, os.ErrNotExist, "a stopped server leaves no socket, so the CLI works on the data directory")
}

func TestAllowedPeer(t *testing.T) {
	assert.True(t, allowedPeer(0), "root")
	assert.True(t, allowedPeer(os.Getuid()), "the server's own user")
	assert.False(t, allowedPeer(os.Getuid()+1000))
}

// Another OS user that can reach the socket file is still refused: the
// admin socket must not be a way around logging in.
func TestAdminSocketRefusesOtherUsers(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to run a client as another user")
	}
	f := newTestFleet(t)
	dir := f.srv.cfg.DataDir
	// Open the directories and the socket to everyone, so that only the
	// peer-credential check stands between a stranger and the API.
	for d := dir; len(d) > len(os.TempDir()) && d != "/"; d = filepath.Dir(d) {
		require.NoError(t, os.Chmod(d, 0o755)) // the test's own directories only
	}
	path := AdminSocketPath(dir)
	require.NoError(t, os.Chmod(path, 0o666))
	bin := filepath.Join(dir, "client")
	copyExecutable(t, os.Args[0], bin)

	tests := []struct {
		name    string
		uid     uint32
		allowed bool
	}{
		{"root", 0, true},
		{"another user", 65534, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(bin)
			cmd.Env = []string{adminPeerEnv + "=" + path}
			cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: tc.uid, Gid: tc.uid}}
			out, err := cmd.CombinedOutput()
			if tc.allowed {
				require.NoError(t, err, "%s", out)
				assert.Contains(t, string(out), "user: cli:root admin")
				return
			}
			require.Error(t, err, "%s", out)
			assert.Contains(t, string(out), "refused:")
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
