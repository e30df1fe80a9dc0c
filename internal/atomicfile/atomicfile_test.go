package atomicfile

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWriteReplacesWholeFileWithMode(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "policy.json")
	require.NoError(t, os.WriteFile(path, []byte("old contents that are longer"), 0o644))

	require.NoError(t, Write(path, []byte("new"), 0o600))

	got, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "new", string(got))
	info, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 1, "no temporary file is left beside it")
}

func TestWriteDoesNotFollowAPlantedTempLink(t *testing.T) {
	dir := t.TempDir()
	victim := filepath.Join(dir, "victim")
	require.NoError(t, os.WriteFile(victim, []byte("keep"), 0o644))
	path := filepath.Join(dir, "state.json")
	// The old helpers wrote to path+".tmp"; a link planted there must not
	// redirect the write.
	require.NoError(t, os.Symlink(victim, path+".tmp"))

	require.NoError(t, Write(path, []byte("data"), 0o600))

	got, err := os.ReadFile(victim)
	require.NoError(t, err)
	assert.Equal(t, "keep", string(got))
}

func TestWriteIntoMissingDirectoryFailsClearly(t *testing.T) {
	err := Write(filepath.Join(t.TempDir(), "nope", "file"), []byte("x"), 0o600)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "write ")
	assert.ErrorIs(t, err, os.ErrNotExist)
}
