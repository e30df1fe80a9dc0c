package cli

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Run(args, IO{In: strings.NewReader(""), Out: &out, Err: &errOut})
	return code, out.String(), errOut.String()
}

func writeFile(t *testing.T, name, text string) string {
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, []byte(text), 0o600))
	return path
}

func TestPolicyApplyAndShow(t *testing.T) {
	dir := t.TempDir()
	code, _, errOut := runCLI(t, "branch", "add", "--data", dir, "--id", "kallio", "--name", "Kallio")
	require.Equal(t, 0, code, errOut)

	tests := []struct {
		name, scope, yaml string
		code              int
		errContains       string
	}{
		{"unknown key", "fleet", "session:\n  max_minuts: 30\n", 1, "max_minuts"},
		{"out of range", "fleet", "session:\n  daily_minutes: 0\n", 1, "session.daily_minutes"},
		{"bad scope", "kingdom", "", 2, "unknown scope"},
		{"unknown branch", "branch:nowhere", "", 1, "no branch"},
		{"valid fleet layer", "fleet", "session:\n  max_minutes: 40\n", 0, ""},
		{"valid alone, invalid merged", "branch:kallio", "session:\n  max_minutes: 25\n", 1, "session.walkup_minutes (30) must not exceed session.max_minutes (25)"},
		{"valid branch layer", "branch:kallio", "session:\n  max_minutes: 35\n", 0, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			file := writeFile(t, "p.yaml", tc.yaml)
			code, out, errOut := runCLI(t, "policy", "apply", "--data", dir, "--scope", tc.scope, file)
			assert.Equal(t, tc.code, code, errOut)
			if tc.errContains != "" {
				assert.Contains(t, errOut, tc.errContains)
			} else {
				assert.Contains(t, out, "applied")
			}
		})
	}
	code, _, errOut = runCLI(t, "policy", "show", "--data", dir, "--terminal", "t-none")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "--terminal")
	code, _, errOut = runCLI(t, "policy", "apply", "--data", dir, "--scope", "fleet")
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "give one policy FILE")
}

func TestGuestPassesCommand(t *testing.T) {
	dir := t.TempDir()
	code, _, errOut := runCLI(t, "branch", "add", "--data", dir, "--id", "kallio", "--name", "Kallio")
	require.Equal(t, 0, code, errOut)
	code, out, errOut := runCLI(t, "guest-passes", "--data", dir, "--branch", "kallio", "--count", "5", "--minutes", "30")
	require.Equal(t, 0, code, errOut)
	codes := strings.Fields(out)
	assert.Len(t, codes, 5)
	seen := map[string]bool{}
	for _, c := range codes {
		assert.Regexp(t, `^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$`, c)
		seen[c] = true
	}
	assert.Len(t, seen, 5, "codes are distinct")
	raw, err := os.ReadFile(filepath.Join(dir, "piste.db"))
	require.NoError(t, err)
	assert.NotContains(t, string(raw), codes[0], "only hashes are stored")

	for _, tc := range []struct{ args []string }{
		{[]string{"--branch", "nowhere"}},
		{[]string{"--branch", "kallio", "--count", "0"}},
		{[]string{"--branch", "kallio", "--minutes", "0"}},
		{[]string{"--branch", "kallio", "--valid-until", "tomorrow"}},
		{[]string{"--branch", "kallio", "--valid-until", "2001-01-01T00:00:00Z"}},
	} {
		code, _, errOut := runCLI(t, append([]string{"guest-passes", "--data", dir}, tc.args...)...)
		assert.Equal(t, 2, code, "%v: %s", tc.args, errOut)
	}
}

func TestServeConfigFile(t *testing.T) {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	var lib sip2Flags
	lib.register(fs)
	addr := fs.String("addr", "127.0.0.1:8080", "")
	fs.String("config", "", "")
	require.NoError(t, fs.Parse([]string{"--sip2-location", "cli-wins"}))

	loginFile := writeFile(t, "login", "scclient:secret pass\n")
	good := writeFile(t, "fleet.yaml", "sip2: 127.0.0.1:6001\nsip2-login-file: "+loginFile+
		"\nsip2-institution: UWOLS\nsip2-location: from-file\naddr: 127.0.0.1:9999\n")
	require.NoError(t, applyConfigFile(fs, good))
	cfg, err := lib.config()
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1:6001", cfg.Addr)
	assert.Equal(t, "scclient", cfg.User)
	assert.Equal(t, "secret pass", cfg.Password)
	assert.Equal(t, "cli-wins", cfg.Location)
	assert.Equal(t, "127.0.0.1:9999", *addr)

	bad := writeFile(t, "bad.yaml", "sip2: 127.0.0.1:6001\nsip2-pasword: x\n")
	err = applyConfigFile(fs, bad)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `unknown key "sip2-pasword"`)
	assert.Contains(t, err.Error(), "line 2")

	notUserPass := writeFile(t, "login", "ab\n")
	for name, f := range map[string]sip2Flags{
		"login without sip2":  {loginFile: loginFile},
		"no institution":      {addr: "h:1", loginFile: loginFile},
		"login not user:pass": {addr: "h:1", loginFile: notUserPass, institution: "X"},
		"no login file":       {addr: "h:1", institution: "X"},
	} {
		f.timeout, f.connections = 5e9, 4
		_, err := f.config()
		assert.Error(t, err, name)
	}
}
