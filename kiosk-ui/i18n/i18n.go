// Package i18n holds the kiosk's texts in Finnish, Swedish and English and
// looks them up per visitor: the language is the agent's (it resets at
// session end), so it is passed to every lookup instead of being global.
//
// A text is either one string or, where a number decides the wording
// ("1 minute", "5 minutes"), an object of CLDR plural forms such as
// {"one": "…", "other": "…"}; the first integer argument picks the form
// by the language's own plural rules.
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"slices"

	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
)

//go:embed *.json
var files embed.FS

// Fallback is the language used for an unknown language code.
const Fallback = "en"

// Languages are the supported language codes, in the order the kiosk
// offers them.
var Languages = []string{"fi", "sv", "en"}

// text is one catalogue entry: a plain string, or plural forms by CLDR
// category name ("zero", "one", "two", "few", "many", "other").
type text struct {
	plain string
	forms map[string]string
}

func (t *text) UnmarshalJSON(data []byte) error {
	if err := json.Unmarshal(data, &t.plain); err == nil {
		return nil
	}
	if err := json.Unmarshal(data, &t.forms); err != nil {
		return fmt.Errorf("want a string or an object of plural forms: %w", err)
	}
	if t.forms["other"] == "" {
		return fmt.Errorf("plural forms need at least \"other\", got %v", t.forms)
	}
	for form := range t.forms {
		if _, ok := formNames[form]; !ok {
			return fmt.Errorf("unknown plural form %q (want zero, one, two, few, many or other)", form)
		}
	}
	return nil
}

var formNames = map[string]plural.Form{
	"zero": plural.Zero, "one": plural.One, "two": plural.Two,
	"few": plural.Few, "many": plural.Many, "other": plural.Other,
}

var catalogues = load()

func load() map[string]map[string]text {
	out := map[string]map[string]text{}
	for _, lang := range Languages {
		data, err := files.ReadFile(lang + ".json")
		if err != nil {
			panic(fmt.Sprintf("i18n: read %s.json: %v", lang, err))
		}
		var cat map[string]text
		if err := json.Unmarshal(data, &cat); err != nil {
			panic(fmt.Sprintf("i18n: %s.json must be a JSON object of strings or plural forms: %v", lang, err))
		}
		if err := mergeAreas(cat, lang); err != nil {
			panic("i18n: " + err.Error())
		}
		out[lang] = cat
	}
	return out
}

// mergeAreas adds each area's file (<area>.<lang>.json) to lang's
// catalogue, so that a feature keeps its texts in files of its own; a key
// defined twice is an error.
func mergeAreas(cat map[string]text, lang string) error {
	names, err := fs.Glob(files, "*."+lang+".json")
	if err != nil {
		return err
	}
	for _, name := range names {
		data, err := files.ReadFile(name)
		if err != nil {
			return fmt.Errorf("read %s: %w", name, err)
		}
		var area map[string]text
		if err := json.Unmarshal(data, &area); err != nil {
			return fmt.Errorf("%s must be a JSON object of strings or plural forms: %w", name, err)
		}
		for k, v := range area {
			if _, dup := cat[k]; dup {
				return fmt.Errorf("%s: key %q is defined twice", name, k)
			}
			cat[k] = v
		}
	}
	return nil
}

// Supported reports whether lang has a catalogue.
func Supported(lang string) bool { return slices.Contains(Languages, lang) }

// T returns the text for key in lang, formatted with args (fmt verbs).
// An unknown language falls back to English; an unknown key shows the key
// itself, so a missing text is visible instead of blank.
func T(lang, key string, args ...any) string {
	cat, ok := catalogues[lang]
	if !ok {
		lang, cat = Fallback, catalogues[Fallback]
	}
	entry, ok := cat[key]
	if !ok {
		return key
	}
	s := entry.pick(lang, args)
	if len(args) == 0 {
		return s
	}
	return fmt.Sprintf(s, args...)
}

// pick chooses the plural form for the first integer argument.
func (t text) pick(lang string, args []any) string {
	if t.forms == nil {
		return t.plain
	}
	n, ok := firstInt(args)
	if !ok {
		return t.forms["other"]
	}
	if s := t.forms[formName(lang, n)]; s != "" {
		return s
	}
	return t.forms["other"]
}

// formName is the CLDR plural category of the whole number n in lang.
func formName(lang string, n int) string {
	if n < 0 {
		n = -n
	}
	form := plural.Cardinal.MatchPlural(language.Make(lang), n, 0, 0, 0, 0)
	for name, f := range formNames {
		if f == form {
			return name
		}
	}
	return "other"
}

func firstInt(args []any) (int, bool) {
	for _, a := range args {
		switch v := a.(type) {
		case int:
			return v, true
		case int64:
			return int(v), true
		}
	}
	return 0, false
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

// Forms returns every wording of key in lang: the one text, or each plural
// form. Tests use it to check that every wording takes the same arguments.
func Forms(lang, key string) []string {
	entry, ok := catalogues[lang][key]
	if !ok {
		return nil
	}
	if entry.forms == nil {
		return []string{entry.plain}
	}
	var out []string
	for _, s := range entry.forms {
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

// NeededForms returns the plural categories lang distinguishes for whole
// numbers, so a test can check that every plural text has each of them.
func NeededForms(lang string) []string {
	seen := map[string]bool{}
	for n := range 200 {
		seen[formName(lang, n)] = true
	}
	var out []string
	for name := range seen {
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}
