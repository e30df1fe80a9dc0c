package web_test

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"
)

var templateText = regexp.MustCompile(`\{\{-?\s*t\s+"([^"]+)"`)

// templateKeys lists the text keys the page templates use.
func templateKeys(t *testing.T) []string {
	t.Helper()
	paths, err := filepath.Glob("templates/*.html")
	require.NoError(t, err)
	var keys []string
	for _, p := range paths {
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		for _, m := range templateText.FindAllSubmatch(b, -1) {
			keys = append(keys, string(m[1]))
		}
	}
	return keys
}
