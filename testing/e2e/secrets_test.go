package e2e

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Secrets never travel on argv, where every user of the machine reads
// them: the SIP2 login and the enrollment code come from files or stdin,
// and a file others can read is refused.
func TestSecretsStayOffTheCommandLine(t *testing.T) {
	f := newFleet(t)

	t.Run("enrollment code on argv", func(t *testing.T) {
		code := f.enrollCode("kallio", 1, "1h")
		_, stderr := run(t, "", 2, "piste-agent", "enroll", "--server", f.url, "--code", code, "--state", t.TempDir())
		assert.Contains(t, stderr, "may not be given on the command line")
		assert.Contains(t, stderr, "--code -")
		assert.Contains(t, stderr, "--code-file FILE")
		assert.NotContains(t, stderr, code, "the refusal does not repeat the code")
		// The code was not spent by the refused attempt.
		codeFile := filepath.Join(t.TempDir(), "code")
		require.NoError(t, os.WriteFile(codeFile, []byte(code+"\n"), 0o600))
		out, _ := run(t, "", 0, "piste-agent", "enroll", "--server", f.url, "--code-file", codeFile, "--state", t.TempDir())
		assert.Contains(t, out, "enrolled as")
	})

	t.Run("SIP2 login on argv", func(t *testing.T) {
		_, stderr := run(t, "", 2, "piste-fleet", "serve", "--data", t.TempDir(), "--sip2", "127.0.0.1:6001",
			"--sip2-login", "scclient:s3cret-pass", "--sip2-institution", "UWOLS")
		assert.Contains(t, stderr, "--sip2-login-file")
		assert.NotContains(t, stderr, "s3cret-pass", "the refusal does not repeat the password")
	})

	t.Run("SIP2 login file others can read", func(t *testing.T) {
		loginFile := filepath.Join(t.TempDir(), "sip2-login")
		require.NoError(t, os.WriteFile(loginFile, []byte("scclient:clientpwd\n"), 0o600))
		require.NoError(t, os.Chmod(loginFile, 0o644))
		_, stderr := run(t, "", 1, "piste-fleet", "serve", "--data", t.TempDir(), "--addr", freeAddr(t), "--sip2", "127.0.0.1:6001",
			"--sip2-login-file", loginFile, "--sip2-institution", "UWOLS")
		assert.Contains(t, stderr, "chmod 600 "+loginFile)
	})

	t.Run("card key file others can read", func(t *testing.T) {
		keyFile := filepath.Join(t.TempDir(), "card.key")
		require.NoError(t, os.WriteFile(keyFile, []byte("0123456789abcdef0123456789abcdef"), 0o600))
		require.NoError(t, os.Chmod(keyFile, 0o644))
		_, stderr := run(t, "", 1, "piste-fleet", "serve", "--data", t.TempDir(), "--addr", freeAddr(t), "--card-key-file", keyFile)
		assert.Contains(t, stderr, "chmod 600 "+keyFile)
	})
}

// A data directory made readable (by an old install or a loose umask)
// becomes private again the next time the fleet opens it.
func TestDataDirBecomesPrivate(t *testing.T) {
	data := filepath.Join(t.TempDir(), "fleet")
	require.NoError(t, os.Mkdir(data, 0o755))
	run(t, "", 0, "piste-fleet", "branch", "add", "--data", data, "--id", "kallio", "--name", "Kallio")
	require.NoError(t, os.Chmod(data, 0o755))
	entries, err := os.ReadDir(data)
	require.NoError(t, err)
	for _, e := range entries {
		require.NoError(t, os.Chmod(filepath.Join(data, e.Name()), 0o644))
	}
	run(t, "", 0, "piste-fleet", "branch", "add", "--data", data, "--id", "oodi", "--name", "Oodi")
	info, err := os.Stat(data)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o700), info.Mode().Perm())
	entries, err = os.ReadDir(data)
	require.NoError(t, err)
	require.NotEmpty(t, entries)
	for _, e := range entries {
		info, err := e.Info()
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o600), info.Mode().Perm(), e.Name())
	}
}
