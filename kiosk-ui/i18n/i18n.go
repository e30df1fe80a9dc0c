// Package i18n holds the kiosk's texts in Finnish, Swedish and English and
// looks them up per visitor: the language is the agent's (it resets at
// session end), so it is passed to every lookup instead of being global.
//
// The texts are in fi.json, sv.json and en.json, and in AREA.LANG.json
// files a feature keeps for itself; see piste/internal/i18n for the
// format, plural forms included.
package i18n

import (
	"embed"

	"piste/internal/i18n"
)

//go:embed *.json
var files embed.FS

// Fallback is the language used for an unknown language code.
const Fallback = "en"

// Languages are the supported language codes, in the order the kiosk
// offers them.
var Languages = []string{"fi", "sv", "en"}

// Catalog is the kiosk's catalogue.
var Catalog = i18n.MustLoad(files, ".", Languages, Fallback)

// Supported reports whether lang has a catalogue.
func Supported(lang string) bool { return Catalog.Supported(lang) }

// T returns the text for key in lang, formatted with args (fmt verbs).
// An unknown language falls back to English; an unknown key shows the key
// itself, so a missing text is visible instead of blank.
func T(lang, key string, args ...any) string { return Catalog.T(lang, key, args...) }

// Keys returns the keys of lang's catalogue, sorted.
func Keys(lang string) []string { return Catalog.Keys(lang) }
