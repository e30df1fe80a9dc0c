package wipe

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The path-based reset serves Windows; its logic is checked here on plain,
// non-hostile trees (owners and modes are not compared on that path).
func TestPathReset(t *testing.T) {
	skel := filepath.Join(t.TempDir(), "skel")
	require.NoError(t, os.CopyFS(skel, os.DirFS("testdata/skel")))
	home := t.TempDir()
	require.NoError(t, os.CopyFS(home, os.DirFS("testdata/skel")))
	require.NoError(t, os.WriteFile(filepath.Join(home, ".bashrc"), []byte("changed"), 0o644))
	require.NoError(t, os.Remove(filepath.Join(home, ".profile")))
	require.NoError(t, os.MkdirAll(filepath.Join(home, "AppData/Local/Temp/x"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(home, "AppData/Local/Temp/x/f"), []byte("visitor"), 0o444))
	require.NoError(t, os.Symlink(t.TempDir(), filepath.Join(home, "link")))
	keepBefore, err := os.Stat(filepath.Join(home, "Desktop/README.txt"))
	require.NoError(t, err)

	want, err := pathManifest(skel)
	require.NoError(t, err)
	var failures []string
	r := newPathResetter(want, func(p string, err error) { failures = append(failures, p+": "+err.Error()) })
	r.reset(home, skel, "")

	assert.Empty(t, failures)
	got, err := pathManifest(home)
	require.NoError(t, err)
	assert.Empty(t, diff(want, got, compareOpts{}))
	keepAfter, err := os.Stat(filepath.Join(home, "Desktop/README.txt"))
	require.NoError(t, err)
	assert.True(t, os.SameFile(keepBefore, keepAfter), "a file that matches the skeleton is kept, not copied again")
	assert.Equal(t, int64(3), r.files, "the changed .bashrc, the temp file and the link")
}
