package cli

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPolicyVersionsAndRollback(t *testing.T) {
	dir := t.TempDir()
	for _, yaml := range []string{"session:\n  max_minutes: 40\n", "session:\n  max_minutes: 50\n"} {
		code, _, errOut := runCLI(t, "policy", "apply", "--data", dir, "--scope", "fleet", writeFile(t, "p.yaml", yaml))
		require.Equal(t, 0, code, errOut)
	}
	code, out, errOut := runCLI(t, "policy", "rollback", "--data", dir, "--scope", "fleet", "--version", "1")
	require.Equal(t, 0, code, errOut)
	assert.Equal(t, "fleet: version 1 is in force again, as version 3\n", out)
	code, out, errOut = runCLI(t, "policy", "versions", "--data", dir, "--scope", "fleet")
	require.Equal(t, 0, code, errOut)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 4, out)
	assert.Contains(t, lines[1], "(roll-back to 1) session.max_minutes: 50 -> 40")
	assert.Contains(t, lines[1], "cli")
	assert.Contains(t, lines[2], "session.max_minutes: 40 -> 50")

	code, _, errOut = runCLI(t, "policy", "rollback", "--data", dir, "--scope", "fleet", "--version", "9")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "scope fleet has no version 9")
	code, _, errOut = runCLI(t, "policy", "rollback", "--data", dir, "--scope", "fleet")
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "--version must name a version")
}
