package policy

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

// kallioPolicy is a policy with every kind of value set, resolved from the
// shipped examples.
func kallioPolicy(t *testing.T) Policy {
	t.Helper()
	var layers []Layer
	for _, name := range []string{"fleet.yaml", "branch-kallio.yaml", "terminal-quick-pc.yaml"} {
		data, err := os.ReadFile(filepath.Join("..", "examples", name))
		require.NoError(t, err)
		layers = append(layers, mustParse(t, string(data)))
	}
	p, err := Resolve(layers...)
	require.NoError(t, err)
	return p
}

func TestJSONRoundTrip(t *testing.T) {
	for name, p := range map[string]Policy{"defaults": Defaults(), "kallio quick pc": kallioPolicy(t)} {
		t.Run(name, func(t *testing.T) {
			data, err := json.Marshal(p)
			require.NoError(t, err)
			back, err := DecodeJSON(data)
			require.NoError(t, err)
			assert.Equal(t, p, back)
		})
	}
}

// TestJSONIsStable pins the JSON agents receive: renaming a field would
// strand every agent that runs an older version.
func TestJSONIsStable(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "every-key.yaml"))
	require.NoError(t, err)
	p, err := Resolve(mustParse(t, string(data)))
	require.NoError(t, err)
	got, err := json.MarshalIndent(p, "", "  ")
	require.NoError(t, err)
	golden := filepath.Join("testdata", "every-key.json")
	if *update {
		require.NoError(t, os.WriteFile(golden, append(got, '\n'), 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err, "run go test -update to create it")
	assert.JSONEq(t, string(want), string(got))
}

func TestDecodeJSON(t *testing.T) {
	t.Run("missing keys keep their defaults", func(t *testing.T) {
		p, err := DecodeJSON([]byte(`{"session": {"max_minutes": 30}}`))
		require.NoError(t, err)
		want := Defaults()
		want.Session.MaxMinutes = 30
		assert.Equal(t, want, p)
	})
	t.Run("keys from a newer fleet are ignored", func(t *testing.T) {
		p, err := DecodeJSON([]byte(`{"session": {"max_minutes": 30, "hologram": true}, "printing": {}}`))
		require.NoError(t, err)
		assert.Equal(t, 30, p.Session.MaxMinutes)
	})
	t.Run("values are validated", func(t *testing.T) {
		_, err := DecodeJSON([]byte(`{"session": {"max_minutes": 0}}`))
		require.Error(t, err)
		assert.Contains(t, err.Error(), "session.max_minutes must be between 1 and 1440, got 0")
	})
	t.Run("rules between keys are validated", func(t *testing.T) {
		_, err := DecodeJSON([]byte(`{"session": {"max_minutes": 20}}`))
		require.Error(t, err)
		assert.Contains(t, err.Error(), "session.walkup_minutes (30) must not exceed session.max_minutes (20)")
	})
	for name, doc := range map[string]string{
		"not JSON":    `{"session":`,
		"bad hours":   `{"hours": {"weekly": {"mon": "9-5"}}}`,
		"bad date":    `{"hours": {"exceptions": [{"date": "24.12.2026", "hours": "closed"}]}}`,
		"bad money":   `{"session": {"fee_limit": 1.005}}`,
		"money text":  `{"session": {"fee_limit": "10.00"}}`,
		"wrong types": `{"session": {"max_minutes": "60"}}`,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := DecodeJSON([]byte(doc))
			require.Error(t, err)
			assert.Contains(t, err.Error(), "policy: ")
		})
	}
}

func TestMoney(t *testing.T) {
	tests := []struct {
		in   string
		want Money
		text string
		bad  bool
	}{
		{in: "10", want: 1000, text: "10.00"},
		{in: "10.5", want: 1050, text: "10.50"},
		{in: "10.05", want: 1005, text: "10.05"},
		{in: "0", want: 0, text: "0.00"},
		{in: "0.01", want: 1, text: "0.01"},
		{in: "10.", bad: true},
		{in: ".5", bad: true},
		{in: "10.005", bad: true},
		{in: "-1", bad: true},
		{in: "1e3", bad: true},
		{in: "1 000", bad: true},
		{in: "9999999999", bad: true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseMoney(tc.in)
			if tc.bad {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
			assert.Equal(t, tc.text, got.String())
			data, err := json.Marshal(got)
			require.NoError(t, err)
			assert.Equal(t, tc.text, string(data))
		})
	}
}
