package policy

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

// FuzzPolicy feeds Parse arbitrary text. Parse must never panic, must
// report problems only as *Error, and a layer it accepts must write back to
// YAML that parses to the same layer; the merged policy must survive JSON
// and its hours must agree with themselves.
func FuzzPolicy(f *testing.F) {
	for _, glob := range []string{"../*.yaml", "../examples/*.yaml", "testdata/*.yaml"} {
		files, err := filepath.Glob(glob)
		require.NoError(f, err)
		for _, name := range files {
			data, err := os.ReadFile(name)
			require.NoError(f, err)
			f.Add(data)
		}
	}
	f.Add([]byte("session:\n  max_minuts: 3\n"))
	f.Add([]byte("hours: {weekly: {mon: &d \"09:00-12:00,12:00-24:00\", tue: *d}}"))
	f.Add([]byte("{session: {fee_limit: 0.5, warn_minutes: [3, 2, 1]}, wipe: {extra_paths: ['C:\\Users\\x']}}"))

	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := Parse(data)
		if err != nil {
			var pe *Error
			require.True(t, errors.As(err, &pe), "Parse returned %T: %v", err, err)
			return
		}
		out, err := yaml.Marshal(l)
		require.NoError(t, err)
		again, err := Parse(out)
		require.NoError(t, err, "re-parse of\n%s", out)
		require.Equal(t, l, again, "re-parse of\n%s", out)

		p := Merge(l)
		if p.Validate() != nil {
			return
		}
		js, err := json.Marshal(p)
		require.NoError(t, err)
		back, err := DecodeJSON(js)
		require.NoError(t, err)
		assert.Equal(t, p, back)

		for _, at := range []time.Time{utc(3, 29, 0, 30), utc(10, 25, 0, 45), utc(12, 24, 10, 0)} {
			checkHoursAgree(t, p.Hours, at)
		}
	})
}
