// Package i18n is the text catalogue both the kiosk and the staff pages
// translate with: texts per language from JSON files, plain or in CLDR
// plural forms, and the checks that keep the languages complete.
//
// A catalogue is read from the files "<lang>.json" and "<area>.<lang>.json"
// of a directory, so each feature keeps its texts in its own files; a key
// defined in two files of one language is a build mistake.
//
// A text is either one string or, where a number decides the wording
// ("1 minute", "5 minutes"), an object of CLDR plural forms such as
// {"one": "…", "other": "…"}; the first integer argument picks the form by
// the language's own plural rules.
package i18n

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strings"

	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
)

// Catalog holds the texts of a set of languages.
type Catalog struct {
	langs    []string
	fallback string
	texts    map[string]map[string]text
}

// text is one entry: a plain string, or plural forms by CLDR category
// name ("zero", "one", "two", "few", "many", "other").
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

// Load reads the catalogue of langs from the JSON files in dir of fsys.
// fallback is the language an unknown language code gets.
func Load(fsys fs.FS, dir string, langs []string, fallback string) (*Catalog, error) {
	c := &Catalog{langs: langs, fallback: fallback, texts: map[string]map[string]text{}}
	for _, lang := range langs {
		c.texts[lang] = map[string]text{}
	}
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("i18n: %w", err)
	}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".json") {
			continue
		}
		parts := strings.Split(strings.TrimSuffix(name, ".json"), ".")
		lang := parts[len(parts)-1]
		cat, ok := c.texts[lang]
		if !ok || len(parts) > 2 {
			return nil, fmt.Errorf("i18n: %s: want LANG.json or AREA.LANG.json with LANG one of %v", name, langs)
		}
		data, err := fs.ReadFile(fsys, path.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("i18n: %w", err)
		}
		var file map[string]text
		if err := json.Unmarshal(data, &file); err != nil {
			return nil, fmt.Errorf("i18n: %s must be a JSON object of strings or plural forms: %w", name, err)
		}
		for k, v := range file {
			if _, dup := cat[k]; dup {
				return nil, fmt.Errorf("i18n: %s defines %q, which another %s file already does", name, k, lang)
			}
			cat[k] = v
		}
	}
	if _, ok := c.texts[fallback]; !ok {
		return nil, fmt.Errorf("i18n: fallback %q is not among %v", fallback, langs)
	}
	return c, nil
}

// MustLoad is Load for catalogues embedded in the binary, where a broken
// file is a build mistake.
func MustLoad(fsys fs.FS, dir string, langs []string, fallback string) *Catalog {
	c, err := Load(fsys, dir, langs, fallback)
	if err != nil {
		panic(err)
	}
	return c
}

// Languages are the catalogue's language codes, in the order given.
func (c *Catalog) Languages() []string { return c.langs }

// Supported reports whether lang has texts.
func (c *Catalog) Supported(lang string) bool { return slices.Contains(c.langs, lang) }

// T returns the text for key in lang, formatted with args (fmt verbs). An
// unknown language falls back; an unknown key shows the key itself, so a
// missing text is visible instead of blank.
func (c *Catalog) T(lang, key string, args ...any) string {
	cat, ok := c.texts[lang]
	if !ok {
		lang, cat = c.fallback, c.texts[c.fallback]
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

// Has reports whether lang has a text for key.
func (c *Catalog) Has(lang, key string) bool {
	_, ok := c.texts[lang][key]
	return ok
}

// Keys returns the keys of lang, sorted.
func (c *Catalog) Keys(lang string) []string {
	var keys []string
	for k := range c.texts[lang] {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Forms returns every wording of key in lang: the one text, or each
// plural form, sorted.
func (c *Catalog) Forms(lang, key string) []string {
	entry, ok := c.texts[lang][key]
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

// Plural returns key's plural forms in lang by category, nil for a plain
// text.
func (c *Catalog) Plural(lang, key string) map[string]string { return c.texts[lang][key].forms }

// pick chooses the plural form for the first integer argument.
func (t text) pick(lang string, args []any) string {
	if t.forms == nil {
		return t.plain
	}
	n, ok := firstInt(args)
	if !ok {
		return t.forms["other"]
	}
	if s := t.forms[FormName(lang, n)]; s != "" {
		return s
	}
	return t.forms["other"]
}

// FormName is the CLDR plural category of the whole number n in lang.
func FormName(lang string, n int) string {
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

// NeededForms returns the plural categories lang distinguishes for whole
// numbers.
func NeededForms(lang string) []string {
	seen := map[string]bool{}
	for n := range 200 {
		seen[FormName(lang, n)] = true
	}
	var out []string
	for name := range seen {
		out = append(out, name)
	}
	slices.Sort(out)
	return out
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

var verb = regexp.MustCompile(`%(\[\d+\])?[a-z%]`)

// verbKinds lists the kinds of fmt verbs in s, sorted: translations may
// reorder arguments but must take the same ones.
func verbKinds(s string) []string {
	var out []string
	for _, v := range verb.FindAllString(s, -1) {
		out = append(out, v[len(v)-1:])
	}
	slices.Sort(out)
	return out
}

// Problems lists what keeps the catalogue from being complete: a key one
// language lacks, an empty text, a translation taking other arguments
// than the fallback's, a plural text lacking a form its language uses.
// Tests assert it is empty.
func (c *Catalog) Problems() []string {
	var out []string
	all := map[string]bool{}
	for _, lang := range c.langs {
		for k := range c.texts[lang] {
			all[k] = true
		}
	}
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range all {
			if !yield(k) {
				return
			}
		}
	})
	for _, lang := range c.langs {
		need := NeededForms(lang)
		for _, k := range keys {
			entry, ok := c.texts[lang][k]
			if !ok {
				out = append(out, fmt.Sprintf("%s lacks key %q", lang, k))
				continue
			}
			for _, s := range c.Forms(lang, k) {
				if strings.TrimSpace(s) == "" {
					out = append(out, fmt.Sprintf("%s has an empty text for %q", lang, k))
				}
			}
			if want := c.Forms(c.fallback, k); len(want) > 0 {
				for _, s := range c.Forms(lang, k) {
					if !slices.Equal(verbKinds(want[0]), verbKinds(s)) {
						out = append(out, fmt.Sprintf("%s %q takes other arguments than %s", lang, k, c.fallback))
					}
				}
			}
			if entry.forms != nil {
				for _, form := range need {
					if entry.forms[form] == "" {
						out = append(out, fmt.Sprintf("%s %q lacks the plural form %q", lang, k, form))
					}
				}
			}
		}
	}
	return out
}
