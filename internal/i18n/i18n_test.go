package i18n

import (
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var langs = []string{"fi", "sv", "en"}

func files(m map[string]string) fstest.MapFS {
	fsys := fstest.MapFS{}
	for name, body := range m {
		fsys["texts/"+name] = &fstest.MapFile{Data: []byte(body)}
	}
	return fsys
}

func TestAreaFilesMerge(t *testing.T) {
	c, err := Load(files(map[string]string{
		"fi.json":      `{"a.title": "Otsikko"}`,
		"help.fi.json": `{"help.title": "Apua", "help.wait": {"one": "%d minuutti", "other": "%d minuuttia"}}`,
		"sv.json":      `{"a.title": "Rubrik"}`,
		"help.sv.json": `{"help.title": "Hjälp", "help.wait": {"one": "%d minut", "other": "%d minuter"}}`,
		"en.json":      `{"a.title": "Title", "help.title": "Help", "help.wait": {"one": "%d minute", "other": "%d minutes"}}`,
		"README.md":    "not a catalogue",
	}), "texts", langs, "en")
	require.NoError(t, err)
	assert.Equal(t, "Apua", c.T("fi", "help.title"))
	assert.Equal(t, "Otsikko", c.T("fi", "a.title"))
	assert.Equal(t, "1 minuutti", c.T("fi", "help.wait", 1))
	assert.Equal(t, "3 minuter", c.T("sv", "help.wait", 3))
	assert.Equal(t, "Help", c.T("de", "help.title"), "an unknown language falls back")
	assert.Equal(t, "no.such", c.T("fi", "no.such"), "a missing key shows itself")
	assert.Equal(t, []string{"a.title", "help.title", "help.wait"}, c.Keys("sv"))
	assert.Empty(t, c.Problems())
	assert.True(t, c.Supported("sv"))
	assert.False(t, c.Supported("de"))
}

func TestLoadRefusesBrokenCatalogues(t *testing.T) {
	tests := []struct {
		name    string
		files   map[string]string
		wantErr string
	}{
		{"key twice", map[string]string{"fi.json": `{"a.x": "1"}`, "b.fi.json": `{"a.x": "2"}`, "en.json": `{}`}, `defines "a.x"`},
		{"unknown language", map[string]string{"de.json": `{}`, "en.json": `{}`}, "want LANG.json"},
		{"dotted area", map[string]string{"a.b.fi.json": `{}`, "en.json": `{}`}, "want LANG.json"},
		{"not an object", map[string]string{"en.json": `["x"]`}, "must be a JSON object"},
		{"number", map[string]string{"en.json": `{"a.x": 5}`}, "want a string or an object"},
		{"no other", map[string]string{"en.json": `{"a.x": {"one": "%d thing"}}`}, `at least "other"`},
		{"unknown form", map[string]string{"en.json": `{"a.x": {"other": "x", "single": "y"}}`}, `unknown plural form "single"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(files(tc.files), "texts", langs, "en")
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.wantErr)
		})
	}
}

func TestProblemsFindGaps(t *testing.T) {
	c, err := Load(files(map[string]string{
		"fi.json": `{"a.x": "%d kpl", "a.y": " "}`,
		"sv.json": `{"a.x": "%s st", "a.y": "Y", "a.n": {"other": "%d"}}`,
		"en.json": `{"a.x": "%d pcs", "a.y": "Y", "a.n": {"one": "%d", "other": "%d"}}`,
	}), "texts", langs, "en")
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{
		`fi lacks key "a.n"`,
		`fi has an empty text for "a.y"`,
		`sv "a.x" takes other arguments than en`,
		`sv "a.n" lacks the plural form "one"`,
	}, c.Problems())
}
