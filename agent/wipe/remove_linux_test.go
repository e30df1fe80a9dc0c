package wipe

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

func openFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	require.NoError(t, err)
	return len(ents)
}

// The remover must hold a bounded number of descriptors in a tree deeper
// than PATH_MAX allows to name, and close all of them.
func TestRemoveDeepTreeBoundedDescriptors(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.Mkdir(filepath.Join(dir, "deep"), 0o755))
	mkDeep(t, filepath.Join(dir, "deep"), 10000, uint32(os.Getuid()), uint32(os.Getgid()))
	var limit unix.Rlimit
	require.NoError(t, unix.Getrlimit(unix.RLIMIT_NOFILE, &limit))
	before := openFDs(t)
	// A descriptor limit far below the depth: holding one per level fails.
	low := limit
	low.Cur = uint64(before + 3*maxOpenDirs)
	require.NoError(t, unix.Setrlimit(unix.RLIMIT_NOFILE, &low))
	t.Cleanup(func() { _ = unix.Setrlimit(unix.RLIMIT_NOFILE, &limit) })

	fd, err := openPath(dir)
	require.NoError(t, err)
	st, err := statAt(fd, "deep")
	require.NoError(t, err)
	var failures []string
	r := &remover{fail: func(p string, err error) { failures = append(failures, p+": "+err.Error()) }}
	start := time.Now()
	r.removeEntry(fd, "deep", "deep", st)
	t.Logf("removed in %v", time.Since(start))
	require.NoError(t, unix.Close(fd))

	assert.Empty(t, failures)
	assert.NoDirExists(t, filepath.Join(dir, "deep"))
	assert.Equal(t, before, openFDs(t), "descriptors leaked")
}
