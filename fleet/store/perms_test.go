package store

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestOpenMakesDataDirPrivate(t *testing.T) {
	old := syscall.Umask(0o022)
	t.Cleanup(func() { syscall.Umask(old) })
	tests := []struct {
		name    string
		prepare func(t *testing.T, dir string)
	}{
		{"new directory", func(t *testing.T, dir string) {}},
		{"existing readable directory and database", func(t *testing.T, dir string) {
			require.NoError(t, os.Mkdir(dir, 0o755))
			st, err := Open(dir)
			require.NoError(t, err)
			require.NoError(t, st.Close())
			require.NoError(t, os.Chmod(dir, 0o755))
			for _, name := range []string{FileName, FileName + "-wal", FileName + "-shm"} {
				if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
					require.NoError(t, os.Chmod(filepath.Join(dir, name), 0o644))
				}
			}
			require.NoError(t, os.WriteFile(filepath.Join(dir, "tls.crt"), []byte("cert"), 0o644))
		}},
		{"existing empty database made by hand", func(t *testing.T, dir string) {
			require.NoError(t, os.Mkdir(dir, 0o755))
			require.NoError(t, os.WriteFile(filepath.Join(dir, FileName), nil, 0o644))
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "data")
			tc.prepare(t, dir)
			st, err := Open(dir)
			require.NoError(t, err)
			t.Cleanup(func() { st.Close() })
			info, err := os.Stat(dir)
			require.NoError(t, err)
			assert.Equal(t, os.FileMode(0o700), info.Mode().Perm(), "data directory")
			entries, err := os.ReadDir(dir)
			require.NoError(t, err)
			names := map[string]bool{}
			for _, e := range entries {
				info, err := e.Info()
				require.NoError(t, err)
				names[e.Name()] = true
				assert.Equal(t, os.FileMode(0o600), info.Mode().Perm(), e.Name())
			}
			assert.True(t, names[FileName])
			assert.True(t, names[FileName+"-wal"], "the write-ahead log is there and checked")
		})
	}
}
