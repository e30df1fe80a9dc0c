package desktop

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestApplyWritesWhatTheSessionReadsAndResetRemovesIt(t *testing.T) {
	f := Files{Dir: filepath.Join(t.TempDir(), "desktop")}
	require.NoError(t, f.Apply("piste-visitor", Settings{TextScale: 150, HighContrast: true, Magnifier: true, ScreenReader: true}))

	read := func(ext string) string {
		b, err := os.ReadFile(filepath.Join(f.Dir, "piste-visitor"+ext))
		require.NoError(t, err)
		return string(b)
	}
	env := read(".env")
	assert.Contains(t, env, "PISTE_TEXT_SCALE=150\n")
	assert.Contains(t, env, "GDK_DPI_SCALE=1.50\n")
	assert.Contains(t, env, "GTK_THEME=HighContrast\n")
	assert.Contains(t, env, "PISTE_SCREEN_READER=1\n")
	dconf := read(".dconf")
	assert.Contains(t, dconf, "text-scaling-factor=1.50")
	assert.Contains(t, dconf, "screen-magnifier-enabled=true")
	assert.Contains(t, dconf, "screen-reader-enabled=true")
	assert.Equal(t, "Xft.dpi: 144\n*foreground: white\n*background: black\n", read(".Xresources"))

	// Turning the choices off resets the desktop: nothing is left.
	require.NoError(t, f.Apply("piste-visitor", Settings{TextScale: 100}))
	entries, err := os.ReadDir(f.Dir)
	require.NoError(t, err)
	assert.Empty(t, entries)
	require.NoError(t, f.Apply("piste-visitor", Settings{}), "resetting twice is fine")
}

func TestApplyRefusesABadAccountName(t *testing.T) {
	f := Files{Dir: t.TempDir()}
	for _, user := range []string{"", "../etc/passwd", "a/b", ".hidden x"} {
		assert.ErrorContains(t, f.Apply(user, Settings{Magnifier: true}), "not an account name", "%q", user)
	}
}
