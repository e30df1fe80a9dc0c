package localapi_test

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"piste/agent/localapi"
	"piste/agent/localapi/localapitest"
)

func TestListenSocketMode(t *testing.T) {
	path := filepath.Join(localapitest.SocketDir(t), "agent.sock")
	ln, err := localapi.Listen(path, localapi.Access{Group: -1})
	require.NoError(t, err)
	defer ln.Close()
	fi, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.ModeSocket|0o660, fi.Mode()&(os.ModeSocket|os.ModePerm))
}

func TestListenSetsGroup(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to give the socket to another group")
	}
	const nogroup = 65534
	path := filepath.Join(localapitest.SocketDir(t), "agent.sock")
	ln, err := localapi.Listen(path, localapi.Access{Group: nogroup})
	require.NoError(t, err)
	defer ln.Close()
	fi, err := os.Stat(path)
	require.NoError(t, err)
	assert.EqualValues(t, nogroup, fi.Sys().(*syscall.Stat_t).Gid)
}

func TestListenRemovesStaleSocket(t *testing.T) {
	path := filepath.Join(localapitest.SocketDir(t), "agent.sock")
	// A socket file nobody listens on, as a crashed agent leaves behind.
	stale, err := net.Listen("unix", path)
	require.NoError(t, err)
	stale.(*net.UnixListener).SetUnlinkOnClose(false)
	require.NoError(t, stale.Close())
	require.FileExists(t, path)

	ln, err := localapi.Listen(path, localapi.Access{Group: -1})
	require.NoError(t, err)
	defer ln.Close()
	conn, err := net.Dial("unix", path)
	require.NoError(t, err)
	conn.Close()
}

func TestListenRefusesLiveSocketAndOtherFiles(t *testing.T) {
	dir := localapitest.SocketDir(t)
	live := filepath.Join(dir, "live.sock")
	ln, err := localapi.Listen(live, localapi.Access{Group: -1})
	require.NoError(t, err)
	defer ln.Close()
	go func() { // accept so the liveness probe connects
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	_, err = localapi.Listen(live, localapi.Access{Group: -1})
	assert.ErrorContains(t, err, "in use by a running agent")

	regular := filepath.Join(dir, "notes.txt")
	require.NoError(t, os.WriteFile(regular, []byte("keep me"), 0o600))
	_, err = localapi.Listen(regular, localapi.Access{Group: -1})
	assert.ErrorContains(t, err, "is not a socket")
	data, err := os.ReadFile(regular)
	require.NoError(t, err)
	assert.Equal(t, "keep me", string(data), "Listen must never remove a file that is not a socket")

	_, err = localapi.Listen(filepath.Join(dir, strings.Repeat("x", 120)), localapi.Access{Group: -1})
	assert.ErrorContains(t, err, "at most")
	_, err = localapi.Listen("", localapi.Access{Group: -1})
	assert.ErrorContains(t, err, "empty")
}

func TestDialChecksAgent(t *testing.T) {
	dir := localapitest.SocketDir(t)
	_, err := localapi.Dial(context.Background(), filepath.Join(dir, "none.sock"))
	require.Error(t, err)
	assert.True(t, localapi.IsUnreachable(err))
	assert.Contains(t, err.Error(), "is piste-agent running")

	srv, _ := localapitest.Start(t, localapitest.NewScripted(idle()))
	cl, err := localapi.Dial(context.Background(), srv.Path)
	require.NoError(t, err)
	cl.Close()
}
