package release

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestVersionOrder(t *testing.T) {
	for _, tc := range []struct {
		a, b  string
		newer bool
	}{
		{"1.1.0", "1.0.0", true}, {"1.0.0", "1.1.0", false}, {"1.0.10", "1.0.9", true},
		{"2.0.0", "1.99.99", true}, {"1.0.0", "1.0.0", false}, {"v1.2.0", "1.1.9", true},
		{"1.2.0", "1.2.0-rc1", true}, {"1.2.0-rc1", "1.2.0", false}, {"1.2.0-rc2", "1.2.0-rc1", true},
		{"1.0.0", "dev", true}, {"dev", "1.0.0", false}, {"dev", "dev", false},
	} {
		assert.Equal(t, tc.newer, Newer(tc.a, tc.b), "%s newer than %s", tc.a, tc.b)
	}
	for _, bad := range []string{"", "1", "1.2", "1.2.3.4", "01.2.3", "1.2.x", "1.2.3-", "1.2.3-a b", strings.Repeat("1", 70)} {
		_, err := ParseVersion(bad)
		assert.Error(t, err, bad)
	}
}

func FuzzParseVersion(f *testing.F) {
	for _, s := range []string{"1.2.3", "v0.0.1-rc.1", "1..2", "-1.2.3", "1.2.3-"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseVersion(s)
		if err != nil {
			return
		}
		again, err := ParseVersion(v.String())
		require.NoError(t, err, "its own form parses")
		require.Equal(t, 0, v.Compare(again))
	})
}

// artifact packs a release of a fake binary into dir.
func artifact(t testing.TB, dir string, m Manifest) string {
	t.Helper()
	bin := filepath.Join(dir, AgentBinary)
	require.NoError(t, os.WriteFile(bin, []byte("#!/bin/sh\necho "+m.Version+"\n"), 0o755))
	out := filepath.Join(dir, "release.tar.gz")
	f, err := os.Create(out)
	require.NoError(t, err)
	require.NoError(t, Pack(f, m, bin))
	require.NoError(t, f.Close())
	return out
}

func TestSignVerifyRoundTrip(t *testing.T) {
	dir := t.TempDir()
	pubPath, err := GenerateKeys(filepath.Join(dir, "keys"))
	require.NoError(t, err)
	fi, err := os.Stat(filepath.Join(dir, "keys", PrivateKeyFile))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), "the secret key is its owner's only")
	_, err = GenerateKeys(filepath.Join(dir, "keys"))
	assert.ErrorContains(t, err, "exists", "keygen never overwrites a key")

	otherPub, err := GenerateKeys(filepath.Join(dir, "other"))
	require.NoError(t, err)
	file := artifact(t, dir, Manifest{Version: "1.2.3", OS: "linux", Arch: "amd64"})
	sigPath, err := SignFile(filepath.Join(dir, "keys", PrivateKeyFile), file)
	require.NoError(t, err)
	sig, _ := os.ReadFile(sigPath)
	keys, err := ReadPublicKeys(pubPath)
	require.NoError(t, err)
	others, err := ReadPublicKeys(otherPub)
	require.NoError(t, err)
	data, _ := os.ReadFile(file)

	check := func(data, sig []byte, trusted ...[]byte) error {
		v, r, err := NewVerifier(bytes.NewReader(data), sig)
		if err != nil {
			return err
		}
		_, err = bytes.NewBuffer(nil).ReadFrom(r)
		require.NoError(t, err)
		return v.Check(keys...)
	}
	assert.NoError(t, check(data, sig))
	tampered := bytes.Clone(data)
	tampered[len(tampered)/2] ^= 1
	assert.ErrorIs(t, check(tampered, sig), ErrBadSignature)
	assert.ErrorIs(t, check(data, []byte("junk")), ErrBadSignature)
	assert.ErrorIs(t, check(data, bytes.Repeat([]byte("a"), MaxSignatureBytes+1)), ErrBadSignature)

	v, r, err := NewVerifier(bytes.NewReader(data), sig)
	require.NoError(t, err)
	bytes.NewBuffer(nil).ReadFrom(r)
	assert.ErrorIs(t, v.Check(others...), ErrBadSignature, "another key does not verify")

	// The key line alone, as the agent config holds it.
	pubText, _ := os.ReadFile(pubPath)
	line := strings.Split(strings.TrimSpace(string(pubText)), "\n")[1]
	k, err := ParsePublicKey(line)
	require.NoError(t, err)
	assert.True(t, k.Equal(keys[0]))
	_, err = ParsePublicKey(line + "\n" + line)
	assert.ErrorContains(t, err, "more than one key line")
}

func TestExtractAcceptsOnlyTheReleaseFiles(t *testing.T) {
	dir := t.TempDir()
	file := artifact(t, dir, Manifest{Version: "1.2.3", OS: "linux", Arch: "amd64"})
	f, _ := os.Open(file)
	m, err := Extract(f, filepath.Join(dir, "out"))
	f.Close()
	require.NoError(t, err)
	assert.Equal(t, "1.2.3", m.Version)
	fi, err := os.Stat(filepath.Join(dir, "out", AgentBinary))
	require.NoError(t, err)
	assert.NotZero(t, fi.Mode()&0o100)

	f, _ = os.Open(file)
	_, err = Extract(f, filepath.Join(dir, "out"))
	f.Close()
	assert.Error(t, err, "never into an existing directory")

	assert.ErrorIs(t, Pack(&bytes.Buffer{}, Manifest{Version: "1.2.3", OS: "linux", Arch: "amd64"}, filepath.Join(dir, "release.tar.gz")), ErrArtifact)
	assert.ErrorIs(t, Pack(&bytes.Buffer{}, Manifest{Version: "x", OS: "linux", Arch: "amd64"}, filepath.Join(dir, AgentBinary)), ErrArtifact)
	_, err = Extract(strings.NewReader("not gzip"), filepath.Join(dir, "out2"))
	assert.ErrorIs(t, err, ErrArtifact)
}

func FuzzExtract(f *testing.F) {
	dir := f.TempDir()
	file := artifact(f, dir, Manifest{Version: "1.2.3", OS: "linux", Arch: "amd64"})
	good, _ := os.ReadFile(file)
	f.Add(good)
	f.Add([]byte{0x1f, 0x8b})
	f.Fuzz(func(t *testing.T, data []byte) {
		out := filepath.Join(t.TempDir(), "x")
		m, err := Extract(bytes.NewReader(data), out)
		if err != nil {
			return
		}
		require.NoError(t, m.Check())
		entries, _ := os.ReadDir(out)
		for _, e := range entries {
			require.Contains(t, []string{AgentBinary, KioskBinary}, e.Name(), "only the release's binaries are unpacked")
		}
	})
}
