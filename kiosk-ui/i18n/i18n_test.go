package i18n

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"piste/internal/i18n"
)

func TestCatalogueIsComplete(t *testing.T) {
	require.NotEmpty(t, Keys(Fallback))
	assert.Empty(t, Catalog.Problems())
	for _, lang := range Languages {
		assert.Contains(t, i18n.NeededForms(lang), "one", "%s distinguishes one from other", lang)
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
		assert.True(t, Catalog.Has(Fallback, k), "the code uses key %q that the catalogues lack", k)
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
		{"fi", "welcome.title", nil, "Tervetuloa"},
		{"sv", "welcome.title", nil, "Välkommen"},
		{"en", "refusal.locked_out", []any{5}, "Too many wrong tries. Try again in 5 min."},
		{"fi", "reservation.from", []any{"14:00", "1234"}, "Tämä tietokone on varattu klo 14:00 alkaen kortille …1234."},
		{"de", "welcome.title", nil, "Welcome"},
		{"fi", "no.such_key", nil, "no.such_key"},
		{"en", "a11y.text_size", []any{150}, "Text size 150 %"},
		{"en", "warning.text", []any{1}, "Your session ends in 1 minute. Save your work to a USB stick or your e-mail."},
		{"en", "warning.text", []any{5}, "Your session ends in 5 minutes. Save your work to a USB stick or your e-mail."},
		{"sv", "warning.closing", []any{1}, "Biblioteket stänger snart, och din session slutar om 1 minut."},
		{"sv", "warning.closing", []any{2}, "Biblioteket stänger snart, och din session slutar om 2 minuter."},
		{"fi", "refusal.locked_out_seconds", []any{1}, "Liian monta väärää yritystä. Odota 1 sekunti ja yritä uudelleen."},
		{"fi", "refusal.locked_out_seconds", []any{30}, "Liian monta väärää yritystä. Odota 30 sekuntia ja yritä uudelleen."},
		{"de", "warning.text", []any{1}, "Your session ends in 1 minute. Save your work to a USB stick or your e-mail."},
	}
	for _, tc := range tests {
		t.Run(tc.lang+" "+tc.key, func(t *testing.T) {
			assert.Equal(t, tc.want, T(tc.lang, tc.key, tc.args...))
		})
	}
	assert.True(t, Supported("sv"))
	assert.False(t, Supported("de"))
}
