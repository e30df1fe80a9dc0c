package packages

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"piste/agent/desktop"
)

// TestDesktopSettingsReachTheSession writes a visitor's choices the way the
// agent does (under the agent unit's umask) and runs the visitor session's
// piste-desktop-apply against them on an Xvfb display: the X resources
// must show the larger text, change while the session runs, and go back to
// plain when the agent removes the files at the session's end.
func TestDesktopSettingsReachTheSession(t *testing.T) {
	for _, tool := range []string{"Xvfb", "xrdb"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("needs %s (make deps-test installs it)", tool)
		}
	}
	script, err := filepath.Abs("../linux/session/piste-desktop-apply")
	require.NoError(t, err)
	display := startXvfb(t)
	env := append(os.Environ(), "DISPLAY="+display)
	resource := func(name string) string {
		cmd := exec.Command("xrdb", "-query")
		cmd.Env = env
		out, err := cmd.Output()
		require.NoError(t, err)
		for _, line := range strings.Split(string(out), "\n") {
			if v, ok := strings.CutPrefix(line, name+":"); ok {
				return strings.TrimSpace(v)
			}
		}
		return ""
	}
	dpi := func() string { return resource("Xft.dpi") }
	// A resource of the display's own, which the visitor's must not lose.
	own := exec.Command("xrdb", "-nocpp", "-merge")
	own.Env = env
	own.Stdin = strings.NewReader("Piste.own: kept\n")
	require.NoError(t, own.Run())

	dir := t.TempDir()
	files := desktop.Files{Dir: dir}
	old := syscall.Umask(0o077) // the agent unit's UMask
	err = files.Apply("vera", desktop.Settings{TextScale: 150, HighContrast: true})
	syscall.Umask(old)
	require.NoError(t, err)
	for _, ext := range []string{".env", ".dconf", ".Xresources"} {
		fi, err := os.Stat(filepath.Join(dir, "vera"+ext))
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o644), fi.Mode().Perm(), "the visitor session must be able to read %s", ext)
	}

	once := exec.Command(script, dir, "vera", "--once")
	once.Env = env
	out, err := once.CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Equal(t, "144", dpi(), "150 %% text is 144 dpi")
	assert.Equal(t, "black", resource("*background"), "high contrast")
	assert.Equal(t, "white", resource("*foreground"), "high contrast")

	// While the session runs, the script follows the agent's changes.
	follow := exec.Command(script, dir, "vera")
	follow.Env = env
	require.NoError(t, follow.Start())
	t.Cleanup(func() { follow.Process.Kill(); follow.Wait() })
	waitDPI := func(want string) {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for dpi() != want && time.Now().Before(deadline) {
			time.Sleep(100 * time.Millisecond)
		}
		require.Equal(t, want, dpi())
	}
	require.NoError(t, files.Apply("vera", desktop.Settings{TextScale: 200}))
	waitDPI("192")
	assert.Empty(t, resource("*background"), "high contrast turned off")
	require.NoError(t, files.Apply("vera", desktop.Settings{}), "the session's end removes the files")
	_, err = os.Stat(filepath.Join(dir, "vera.env"))
	require.ErrorIs(t, err, os.ErrNotExist)
	waitDPI("96")
	assert.Equal(t, "kept", resource("Piste.own"))
}

// startXvfb starts a private X server on a free display and returns it.
func startXvfb(t *testing.T) string {
	t.Helper()
	r, w, err := os.Pipe()
	require.NoError(t, err)
	x := exec.Command("Xvfb", "-displayfd", "3", "-screen", "0", "640x480x24", "-nolisten", "tcp", "-noreset")
	x.ExtraFiles = []*os.File{w}
	require.NoError(t, x.Start())
	w.Close()
	t.Cleanup(func() { x.Process.Kill(); x.Wait() })
	line, err := bufio.NewReader(r).ReadString('\n')
	r.Close()
	require.NoError(t, err, "Xvfb did not say its display")
	return ":" + strings.TrimSpace(line)
}
