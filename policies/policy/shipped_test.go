package policy

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"piste/policies"
)

// TestShippedYAMLParses parses every YAML file shipped under policies/, so
// a broken default or example cannot be released.
func TestShippedYAMLParses(t *testing.T) {
	var files []string
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "testdata" {
			return filepath.SkipDir // fixtures, some broken on purpose
		}
		if ext := filepath.Ext(path); !d.IsDir() && (ext == ".yaml" || ext == ".yml") {
			files = append(files, path)
		}
		return nil
	})
	require.NoError(t, err)
	require.Contains(t, files, filepath.Join("..", "default.yaml"))
	require.Contains(t, files, filepath.Join("..", "examples", "branch-kallio.yaml"))
	require.Contains(t, files, filepath.Join("..", "examples", "terminal-quick-pc.yaml"))
	for _, path := range files {
		t.Run(path, func(t *testing.T) {
			data, err := os.ReadFile(path)
			require.NoError(t, err)
			l, err := Parse(data)
			require.NoError(t, err)
			_, err = Resolve(l)
			assert.NoError(t, err, "the layer alone over the defaults must be valid")
		})
	}
}

// TestDefaultsSetEveryKey keeps default.yaml complete: a key it forgot would
// silently default to Go's zero value.
func TestDefaultsSetEveryKey(t *testing.T) {
	l, err := Parse(policies.DefaultYAML)
	require.NoError(t, err)
	var missing []string
	for _, key := range knownKeys {
		if key != "hours.weekly" && key != "hours.exceptions" && !l.Has(key) {
			missing = append(missing, key)
		}
	}
	assert.Empty(t, missing, "default.yaml must set these keys")
	assert.False(t, l.Has("hours.weekly"), "the defaults have no opening hours: open round the clock")
}

func TestEveryKeyFixtureSetsEveryKey(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "every-key.yaml"))
	require.NoError(t, err)
	assert.Equal(t, knownKeys, mustParse(t, string(data)).Keys())
}

// TestReadmeDocumentsEveryKey keeps the admin documentation in step with
// the code.
func TestReadmeDocumentsEveryKey(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "README.md"))
	require.NoError(t, err)
	for _, key := range knownKeys {
		assert.Contains(t, string(data), "`"+key+"`", "README.md must document %s", key)
	}
}

func TestExamplesLayerTogether(t *testing.T) {
	read := func(name string) Layer {
		data, err := fs.ReadFile(policies.Examples, "examples/"+name)
		require.NoError(t, err)
		return mustParse(t, string(data))
	}
	fleet, kallio, quick := read("fleet.yaml"), read("branch-kallio.yaml"), read("terminal-quick-pc.yaml")

	p, err := Resolve(fleet, kallio, quick)
	require.NoError(t, err)
	assert.Equal(t, 15, p.Session.MaxMinutes, "the terminal's quick sessions")
	assert.Equal(t, []int{2}, p.Session.WarnMinutes)
	assert.Equal(t, 10, p.Session.EndBeforeClosingMinutes, "from the branch")
	assert.Equal(t, Money(2000), p.Session.FeeLimit, "from the fleet")
	assert.True(t, p.Hours.OpenAt(hel(11, 30, 12, 0)), "Kallio is open on a Monday noon")
	assert.False(t, p.Hours.OpenAt(hel(12, 25, 12, 0)), "closed on Christmas Day, a fleet-wide holiday")
	assert.False(t, p.Hours.OpenAt(hel(12, 24, 12, 0)), "closed on Christmas Eve")
	closing, open := p.Hours.ClosingAfter(hel(12, 31, 10, 0))
	assert.True(t, open)
	assert.True(t, hel(12, 31, 14, 0).Equal(closing), "New Year's Eve closes at 14:00, got %v", closing)

	_, err = Resolve(fleet, kallio)
	assert.NoError(t, err, "the branch without the quick PC")
}

func TestExamplesAreEmbedded(t *testing.T) {
	entries, err := os.ReadDir(filepath.Join("..", "examples"))
	require.NoError(t, err)
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".yaml") {
			continue
		}
		onDisk, err := os.ReadFile(filepath.Join("..", "examples", e.Name()))
		require.NoError(t, err)
		embedded, err := fs.ReadFile(policies.Examples, "examples/"+e.Name())
		require.NoError(t, err)
		assert.Equal(t, onDisk, embedded)
	}
}
