// Package i18n holds the kiosk's texts in Finnish, Swedish and English and
// looks them up per visitor: the language is the agent's (it resets at
// session end), so it is passed to every lookup instead of being global.
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"slices"
)

//go:embed fi.json sv.json en.json
var files embed.FS

// Fallback is the language used for an unknown language code.
const Fallback = "en"

// Languages are the supported language codes, in the order the kiosk
// offers them.
var Languages = []string{"fi", "sv", "en"}

var catalogues = load()

func load() map[string]map[string]string {
	out := map[string]map[string]string{}
	for _, lang := range Languages {
		data, err := files.ReadFile(lang + ".json")
		if err != nil {
			panic(fmt.Sprintf("i18n: read %s.json: %v", lang, err))
		}
		var cat map[string]string
		if err := json.Unmarshal(data, &cat); err != nil {
			panic(fmt.Sprintf("i18n: %s.json is not a flat JSON object of strings: %v", lang, err))
		}
		out[lang] = cat
	}
	return out
}

// Supported reports whether lang has a catalogue.
func Supported(lang string) bool { return slices.Contains(Languages, lang) }

// T returns the text for key in lang, formatted with args (fmt verbs).
// An unknown language falls back to English; an unknown key shows the key
// itself, so a missing text is visible instead of blank.
func T(lang, key string, args ...any) string {
	cat, ok := catalogues[lang]
	if !ok {
		cat = catalogues[Fallback]
	}
	text, ok := cat[key]
	if !ok {
		return key
	}
	if len(args) == 0 {
		return text
	}
	return fmt.Sprintf(text, args...)
}

// Keys returns the keys of lang's catalogue, sorted.
func Keys(lang string) []string {
	var keys []string
	for k := range catalogues[lang] {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
