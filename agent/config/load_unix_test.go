//go:build !windows

package config

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// trustedDir is a directory only the test's own account (root in CI) can
// change, as a config's directory must be.
func trustedDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.Chmod(dir, 0o755))
	require.NoError(t, os.Chmod(filepath.Dir(dir), 0o755))
	return dir
}

func writeConfig(t *testing.T, dir, text string, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(dir, "agent.yaml")
	require.NoError(t, os.WriteFile(p, []byte(text), mode))
	require.NoError(t, os.Chmod(p, mode))
	return p
}

func TestLoadFileModesAndOwners(t *testing.T) {
	skel := filepath.Join(trustedDir(t), "skel")
	require.NoError(t, os.Mkdir(skel, 0o755))
	text := "visitor_accounts: [piste-nosuchvisitor]\nskeletons: [" + skel + "]\n"
	tests := []struct {
		name    string
		mode    os.FileMode
		prepare func(t *testing.T, dir, file string)
		wantErr string
	}{
		{name: "0644 owned by the agent", mode: 0o644},
		{name: "0600", mode: 0o600},
		{name: "group-writable", mode: 0o664, wantErr: "has mode 0664: group and others must not be able to write it"},
		{name: "world-writable", mode: 0o646, wantErr: "has mode 0646"},
		{name: "in a directory others can write", mode: 0o644, prepare: func(t *testing.T, dir, _ string) {
			require.NoError(t, os.Chmod(dir, 0o777))
		}, wantErr: "where others could replace it"},
		{name: "in a sticky directory", mode: 0o644, prepare: func(t *testing.T, dir, _ string) {
			require.NoError(t, os.Chmod(dir, os.ModeSticky|0o777))
		}},
		{name: "owned by another account", mode: 0o644, prepare: func(t *testing.T, _, file string) {
			requireRoot(t)
			require.NoError(t, os.Chown(file, 4242, 4242))
		}, wantErr: "is owned by uid 4242: it must be owned by root"},
		{name: "in a directory of another account", mode: 0o644, prepare: func(t *testing.T, dir, _ string) {
			requireRoot(t)
			require.NoError(t, os.Chown(dir, 4242, 4242))
		}, wantErr: "owned by uid 4242, who could replace it"},
		{name: "a symlink to a trusted file", mode: 0o644, prepare: func(t *testing.T, dir, file string) {
			real := filepath.Join(dir, "real.yaml")
			require.NoError(t, os.Rename(file, real))
			require.NoError(t, os.Symlink(real, file))
		}},
		{name: "a symlink into a directory others can write", mode: 0o644, prepare: func(t *testing.T, dir, file string) {
			open := filepath.Join(t.TempDir(), "open")
			require.NoError(t, os.Mkdir(open, 0o777))
			require.NoError(t, os.Chmod(open, 0o777))
			real := filepath.Join(open, "real.yaml")
			require.NoError(t, os.Rename(file, real))
			require.NoError(t, os.Symlink(real, file))
		}, wantErr: "where others could replace it"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := trustedDir(t)
			file := writeConfig(t, dir, text, tc.mode)
			if tc.prepare != nil {
				tc.prepare(t, dir, file)
			}
			c, err := Load(file)
			if tc.wantErr == "" {
				require.NoError(t, err)
				assert.Equal(t, file, c.File)
				assert.Equal(t, []string{skel}, c.Skeletons)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.wantErr)
			assert.Contains(t, err.Error(), "agent config "+file)
		})
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "absent.yaml"))
	require.Error(t, err, "a config the admin named must exist")
	assert.Contains(t, err.Error(), "cannot be read")
	if _, err := os.Stat(DefaultPath); errors.Is(err, os.ErrNotExist) {
		c, err := Load("")
		require.NoError(t, err)
		assert.Equal(t, Default(), c, "no config file: the built-in default")
	}
}

func TestLoadSkeletons(t *testing.T) {
	tests := []struct {
		name    string
		make    func(t *testing.T, base string) string
		wantErr string
	}{
		{name: "root-owned 0755", make: func(t *testing.T, base string) string {
			return mkdir(t, base, "skel", 0o755)
		}},
		{name: "missing", make: func(t *testing.T, base string) string { return filepath.Join(base, "none") },
			wantErr: "does not exist: create it as root"},
		{name: "world-writable", make: func(t *testing.T, base string) string { return mkdir(t, base, "skel", 0o777) },
			wantErr: "has mode 0777"},
		{name: "a file", make: func(t *testing.T, base string) string {
			p := filepath.Join(base, "file")
			require.NoError(t, os.WriteFile(p, nil, 0o644))
			return p
		}, wantErr: "is a file, not a directory"},
		{name: "a symlink to /etc", make: func(t *testing.T, base string) string {
			p := filepath.Join(base, "link")
			require.NoError(t, os.Symlink("/etc", p))
			return p
		}, wantErr: "is a symlink, not a directory"},
		{name: "below a writable directory", make: func(t *testing.T, base string) string {
			return mkdir(t, mkdir(t, base, "open", 0o777), "skel", 0o755)
		}, wantErr: "where others could replace it"},
		{name: "owned by another account", make: func(t *testing.T, base string) string {
			requireRoot(t)
			p := mkdir(t, base, "skel", 0o755)
			require.NoError(t, os.Chown(p, 4242, 4242))
			return p
		}, wantErr: "is owned by uid 4242"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			skel := tc.make(t, trustedDir(t))
			file := writeConfig(t, trustedDir(t), "visitor_accounts: [piste-nosuchvisitor]\nskeletons: ["+skel+"]\n", 0o644)
			c, err := Load(file)
			if tc.wantErr == "" {
				require.NoError(t, err)
				assert.Equal(t, []string{skel}, c.Skeletons)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.wantErr)
			var ce *Error
			require.True(t, errors.As(err, &ce))
			assert.Equal(t, "skeletons[0]", ce.Key)
		})
	}
}

func mkdir(t *testing.T, base, name string, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(base, name)
	require.NoError(t, os.Mkdir(p, mode))
	require.NoError(t, os.Chmod(p, mode))
	return p
}

func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to give files to another account (CI runs as root)")
	}
}

// newAccount makes a real account for one test, with more useradd
// arguments if given.
func newAccount(t *testing.T, useradd ...string) string {
	t.Helper()
	requireRoot(t)
	if _, err := exec.LookPath("useradd"); err != nil {
		t.Skip("needs useradd to make a real account")
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	name := "piste-c" + hex.EncodeToString(b)
	args := append([]string{"--no-create-home"}, useradd...)
	out, err := exec.Command("useradd", append(args, name)...).CombinedOutput()
	require.NoError(t, err, "useradd: %s", out)
	t.Cleanup(func() {
		// --force: an account of uid 0 is always "in use" by root's processes.
		if out, err := exec.Command("userdel", "--force", name).CombinedOutput(); err != nil {
			t.Errorf("userdel %s: %v: %s", name, err, out)
		}
	})
	return name
}
