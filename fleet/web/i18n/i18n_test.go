package i18n

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCatalogueIsComplete(t *testing.T) {
	require.NotEmpty(t, Catalog.Keys("en"))
	assert.Empty(t, Catalog.Problems())
	for _, lang := range Languages {
		assert.NotEmpty(t, Names[lang], "the switcher names %s", lang)
	}
}

func TestFromRequest(t *testing.T) {
	tests := []struct {
		name, query, cookie, accept string
		want                        string
		chosen                      bool
	}{
		{"nothing said", "", "", "", "fi", false},
		{"browser wants Swedish", "", "", "sv-FI,sv;q=0.9,en;q=0.5", "sv", false},
		{"browser wants English", "", "", "en-GB,en;q=0.9", "en", false},
		{"browser wants German only", "", "", "de-DE", "fi", false},
		{"cookie beats the browser", "", "en", "sv", "en", false},
		{"query beats the cookie", "lang=sv", "en", "fi", "sv", true},
		{"unknown query ignored", "lang=xx", "en", "", "en", false},
		{"unknown cookie ignored", "", "<script>", "sv", "sv", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/?"+tc.query, nil)
			if tc.cookie != "" {
				r.AddCookie(&http.Cookie{Name: Cookie, Value: tc.cookie})
			}
			if tc.accept != "" {
				r.Header.Set("Accept-Language", tc.accept)
			}
			lang, chosen := FromRequest(r)
			assert.Equal(t, tc.want, lang)
			assert.Equal(t, tc.chosen, chosen)
		})
	}
}

func TestWithPrefix(t *testing.T) {
	got := WithPrefix("sv", "layout.nav.")
	assert.Equal(t, "Datorer", got["layout.nav.terminals"])
	assert.Equal(t, "Gästkort", got["layout.nav.guest_passes"])
	for k := range got {
		assert.True(t, strings.HasPrefix(k, "layout.nav."), "%s is outside the prefix", k)
	}
	assert.NotContains(t, got, "layout.logout")
}
