// Package i18n holds the staff pages' texts in Finnish, Swedish and English
// and picks a request's language.
//
// Each page or feature keeps its texts in its own files, AREA.LANG.json
// (layout.fi.json, help.sv.json, …), with keys prefixed by the area; see
// piste/internal/i18n for the format.
package i18n

import (
	"embed"
	"net/http"
	"strings"
	"time"

	"golang.org/x/text/language"

	"piste/internal/i18n"
)

//go:embed *.json
var files embed.FS

// Languages are the pages' languages, in the order the switcher shows them.
var Languages = []string{"fi", "sv", "en"}

// Default is the language of a browser that states none we have.
const Default = "fi"

// Catalog is the staff pages' catalogue.
var Catalog = i18n.MustLoad(files, ".", Languages, "en")

// Cookie remembers the language a staff member chose.
const Cookie = "piste_lang"

// Names are the languages in their own words, as the switcher shows them.
var Names = map[string]string{"fi": "Suomi", "sv": "Svenska", "en": "English"}

var matcher = language.NewMatcher([]language.Tag{language.Finnish, language.Swedish, language.English})

// FromRequest picks the language of a request: ?lang= (which the caller
// should remember with Remember), else the cookie, else the browser's
// Accept-Language, else Default.
func FromRequest(r *http.Request) (lang string, chosen bool) {
	if l := r.URL.Query().Get("lang"); Catalog.Supported(l) {
		return l, true
	}
	if c, err := r.Cookie(Cookie); err == nil && Catalog.Supported(c.Value) {
		return c.Value, false
	}
	if accept := r.Header.Get("Accept-Language"); accept != "" {
		tags, _, err := language.ParseAcceptLanguage(accept)
		if err == nil && len(tags) > 0 {
			_, i, conf := matcher.Match(tags...)
			if conf != language.No {
				return Languages[i], false
			}
		}
	}
	return Default, false
}

// Remember keeps a chosen language in a cookie for a year. It is not a
// secret, but only the pages read it.
func Remember(w http.ResponseWriter, lang string, secure bool) {
	http.SetCookie(w, &http.Cookie{
		Name: Cookie, Value: lang, Path: "/", MaxAge: int(365 * 24 * time.Hour / time.Second),
		HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode,
	})
}

// WithPrefix returns every text of lang whose key starts with prefix, for
// a page's script.
func WithPrefix(lang, prefix string) map[string]string {
	out := map[string]string{}
	for _, k := range Catalog.Keys(lang) {
		if strings.HasPrefix(k, prefix) {
			forms := Catalog.Plural(lang, k)
			if forms == nil {
				out[k] = Catalog.T(lang, k)
				continue
			}
			for form, s := range forms {
				out[k+"#"+form] = s
			}
		}
	}
	return out
}
