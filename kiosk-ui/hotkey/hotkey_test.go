package hotkey

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// startXvfb runs a private X server and returns its display name.
func startXvfb(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("Xvfb"); err != nil {
		t.Skip("Xvfb is not installed (Debian package xvfb; make apt-ensure)")
	}
	if _, err := exec.LookPath("xdotool"); err != nil {
		t.Skip("xdotool is not installed (Debian package xdotool; make apt-ensure)")
	}
	for n := 150; n < 250; n++ {
		if _, err := os.Stat(fmt.Sprintf("/tmp/.X11-unix/X%d", n)); err == nil {
			continue
		}
		display := fmt.Sprintf(":%d", n)
		cmd := exec.Command("Xvfb", display, "-screen", "0", "640x480x24", "-nolisten", "tcp", "-noreset")
		require.NoError(t, cmd.Start())
		t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
		sock := filepath.Join("/tmp/.X11-unix", fmt.Sprintf("X%d", n))
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			if c, err := net.Dial("unix", sock); err == nil {
				c.Close()
				return display
			}
			time.Sleep(20 * time.Millisecond)
		}
		t.Fatalf("Xvfb %s did not start", display)
	}
	t.Fatal("no free X display number")
	return ""
}

func TestF2ReachesTheKioskFromAnywhere(t *testing.T) {
	display := startXvfb(t)
	presses := make(chan struct{}, 4)
	g, err := Listen(display, KeysymF2, func() { presses <- struct{}{} })
	require.NoError(t, err)

	// xdotool sends the key to the focused window (here the root, as if a
	// visitor's program had the focus); the grab takes it first.
	cmd := exec.Command("xdotool", "key", "F2")
	cmd.Env = append(os.Environ(), "DISPLAY="+display)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, string(out))
	select {
	case <-presses:
	case <-time.After(10 * time.Second):
		t.Fatal("F2 did not reach the grab")
	}

	// A second kiosk cannot take the key from the first.
	_, err = Listen(display, KeysymF2, func() {})
	assert.ErrorContains(t, err, "another program holds it")

	g.Close()
	// Once let go, the key is free again.
	g2, err := Listen(display, KeysymF2, func() {})
	require.NoError(t, err)
	g2.Close()
}

func TestNoDisplayIsAClearError(t *testing.T) {
	_, err := Listen(":999", KeysymF2, func() {})
	assert.ErrorContains(t, err, `connect to X display ":999"`)
}
