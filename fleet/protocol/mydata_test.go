package protocol

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzVisitorSettings: whatever an agent sends as remembered settings,
// Validate decides without panicking, and what it passes is in range and
// survives a round trip.
func FuzzVisitorSettings(f *testing.F) {
	f.Add(`{"text_scale":150,"high_contrast":true,"language":"fi","speech":true,"speech_rate":200}`)
	f.Add(`{"text_scale":100,"language":"sv"}`)
	f.Add(`{"text_scale":900,"language":"de","speech_rate":-1}`)
	f.Add(`{}`)
	f.Add(`[]`)
	f.Fuzz(func(t *testing.T, body string) {
		var v VisitorSettings
		if json.Unmarshal([]byte(body), &v) != nil {
			return
		}
		if v.Validate() != nil {
			return
		}
		if v.TextScale < 100 || v.TextScale > 200 || (v.SpeechRate != 0 && (v.SpeechRate < 80 || v.SpeechRate > 320)) {
			t.Fatalf("passed out of range: %+v", v)
		}
		raw, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		var back VisitorSettings
		if err := json.Unmarshal(raw, &back); err != nil || back != v {
			t.Fatalf("round trip: %+v -> %s -> %+v (%v)", v, raw, back, err)
		}
	})
}

// FuzzMessageTexts: per-language message texts are checked without
// panicking, and a passed set always gives a visitor some text.
func FuzzMessageTexts(f *testing.F) {
	f.Add("fi", "Kirjasto sulkeutuu klo 16.00.", "sv", "Biblioteket stänger.")
	f.Add("de", "Hallo", "en", "")
	f.Add("fi", strings.Repeat("a", 501), "en", "\xff")
	f.Fuzz(func(t *testing.T, l1, t1, l2, t2 string) {
		texts := map[string]string{l1: t1, l2: t2}
		if CheckMessageTexts(texts, 500) != nil {
			return
		}
		for _, text := range texts {
			if !utf8.ValidString(text) || text == "" || utf8.RuneCountInString(text) > 500 {
				t.Fatalf("passed a bad text %q", text)
			}
		}
		for _, lang := range MessageLanguages {
			if MessageText("", texts, lang) == "" {
				t.Fatalf("no text for %s from %v", lang, texts)
			}
		}
	})
}
