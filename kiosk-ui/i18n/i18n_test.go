package i18n

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEveryLanguageHasEveryKey(t *testing.T) {
	all := map[string]bool{}
	for _, lang := range Languages {
		for _, k := range Keys(lang) {
			all[k] = true
		}
	}
	require.NotEmpty(t, all)
	for _, lang := range Languages {
		for k := range all {
			assert.Contains(t, catalogues[lang], k, "%s.json lacks key %q", lang, k)
			for _, s := range Forms(lang, k) {
				assert.NotEmpty(t, strings.TrimSpace(s), "%s.json has an empty text for %q", lang, k)
			}
		}
	}
}

var verb = regexp.MustCompile(`%(\[\d+\])?[a-z%]`)

func verbs(text string) []string {
	var out []string
	for _, v := range verb.FindAllString(text, -1) {
		out = append(out, v[len(v)-1:]) // translations may reorder, so compare kinds only
	}
	slices.Sort(out)
	return out
}

func TestTranslationsTakeTheSameArguments(t *testing.T) {
	for _, k := range Keys(Fallback) {
		want := verbs(Forms(Fallback, k)[0])
		for _, lang := range Languages {
			for _, s := range Forms(lang, k) {
				assert.Equal(t, want, verbs(s), "%s.json %q takes other arguments than en.json", lang, k)
			}
		}
	}
}

// usedKeys returns every string literal in the kiosk's non-test Go code
// that has the shape of a catalogue key in one of its namespaces.
func usedKeys(t *testing.T) map[string]bool {
	namespaces := map[string]bool{}
	for _, k := range Keys(Fallback) {
		namespaces[strings.SplitN(k, ".", 2)[0]] = true
	}
	shape := regexp.MustCompile(`^[a-z0-9_]+\.[a-z0-9_.]+$`)
	used := map[string]bool{}
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err == nil && shape.MatchString(s) && namespaces[strings.SplitN(s, ".", 2)[0]] {
				used[s] = true
			}
			return true
		})
		return nil
	})
	require.NoError(t, err)
	return used
}

func TestNoMissingOrUnusedKeys(t *testing.T) {
	used := usedKeys(t)
	require.NotEmpty(t, used, "found no keys in the kiosk's code")
	for k := range used {
		assert.Contains(t, catalogues[Fallback], k, "the code uses key %q that the catalogues lack", k)
	}
	for _, k := range Keys(Fallback) {
		assert.True(t, used[k], "key %q is in the catalogues but no code uses it", k)
	}
}

func TestT(t *testing.T) {
	tests := []struct {
		lang, key string
		args      []any
		want      string
	}{
		{"fi", "welcome.title", nil, "Tervetuloa kirjastoon"},
		{"sv", "welcome.title", nil, "Välkommen till biblioteket"},
		{"en", "refusal.locked_out", []any{5}, "Too many wrong tries. Try again in 5 minutes."},
		{"fi", "reservation.from", []any{"14.00", "1234"}, "Tämä tietokone on varattu klo 14.00 alkaen kortille …1234."},
		{"de", "welcome.title", nil, "Welcome to the library"},
		{"fi", "no.such_key", nil, "no.such_key"},
		{"en", "a11y.text_size", []any{150}, "Text size 150 %"},
		{"en", "warning.text", []any{1}, "Your time ends in 1 minute. Save your work to a USB stick or your e-mail."},
		{"en", "warning.text", []any{5}, "Your time ends in 5 minutes. Save your work to a USB stick or your e-mail."},
		{"sv", "warning.closing", []any{1}, "Biblioteket stänger snart. Din tid tar slut om 1 minut."},
		{"sv", "warning.closing", []any{2}, "Biblioteket stänger snart. Din tid tar slut om 2 minuter."},
		{"fi", "refusal.locked_out_seconds", []any{1}, "Liian monta väärää yritystä. Odota 1 sekunti ja yritä uudelleen."},
		{"fi", "refusal.locked_out_seconds", []any{30}, "Liian monta väärää yritystä. Odota 30 sekuntia ja yritä uudelleen."},
		{"de", "warning.text", []any{1}, "Your time ends in 1 minute. Save your work to a USB stick or your e-mail."},
	}
	for _, tc := range tests {
		t.Run(tc.lang+" "+tc.key, func(t *testing.T) {
			assert.Equal(t, tc.want, T(tc.lang, tc.key, tc.args...))
		})
	}
	assert.True(t, Supported("sv"))
	assert.False(t, Supported("de"))
}

// TestPluralTextsHaveEveryNeededForm fails when a text that changes with
// a number lacks a form its language uses, say "one" in Swedish.
func TestPluralTextsHaveEveryNeededForm(t *testing.T) {
	for _, lang := range Languages {
		need := NeededForms(lang)
		require.Contains(t, need, "one", "%s distinguishes one from other", lang)
		for key, entry := range catalogues[lang] {
			if entry.forms == nil {
				continue
			}
			for _, form := range need {
				assert.NotEmpty(t, entry.forms[form], "%s.json %q lacks the plural form %q", lang, key, form)
			}
		}
	}
}

func TestCatalogueEntryShapes(t *testing.T) {
	tests := []struct {
		name, json, wantErr string
	}{
		{"string", `"hello"`, ""},
		{"forms", `{"one": "%d thing", "other": "%d things"}`, ""},
		{"no other", `{"one": "%d thing"}`, "at least \"other\""},
		{"unknown form", `{"other": "x", "single": "y"}`, "unknown plural form \"single\""},
		{"number", `5`, "want a string or an object"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var e text
			err := e.UnmarshalJSON([]byte(tc.json))
			if tc.wantErr == "" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.wantErr)
		})
	}
}
