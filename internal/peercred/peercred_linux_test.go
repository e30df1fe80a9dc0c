//go:build linux

package peercred

import (
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestUIDOfALocalPeer(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.sock")
	ln, err := net.Listen("unix", path)
	require.NoError(t, err)
	defer ln.Close()
	go func() {
		c, err := net.Dial("unix", path)
		if err == nil {
			defer c.Close()
			buf := make([]byte, 1)
			c.Read(buf)
		}
	}()
	conn, err := ln.Accept()
	require.NoError(t, err)
	defer conn.Close()
	uid, err := UID(conn)
	require.NoError(t, err)
	assert.Equal(t, os.Getuid(), uid)
}

func TestUIDRefusesANetworkConnection(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	go func() {
		if c, err := net.Dial("tcp", ln.Addr().String()); err == nil {
			c.Close()
		}
	}()
	conn, err := ln.Accept()
	require.NoError(t, err)
	defer conn.Close()
	_, err = UID(conn)
	assert.ErrorContains(t, err, "not a unix connection")
}
