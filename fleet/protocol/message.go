package protocol

import (
	"fmt"
	"slices"
	"unicode/utf8"
)

// MessageLanguages are the languages a message to the kiosks may carry a
// text in (Command.Texts).
var MessageLanguages = []string{"fi", "sv", "en"}

// CheckMessageTexts names the first text of texts that is not a
// supported language's or is longer than max characters.
func CheckMessageTexts(texts map[string]string, max int) error {
	for lang, text := range texts {
		if !slices.Contains(MessageLanguages, lang) {
			return fmt.Errorf("texts: language %q is not one of %v", lang, MessageLanguages)
		}
		if text == "" || !utf8.ValidString(text) || utf8.RuneCountInString(text) > max {
			return fmt.Errorf("texts.%s must be valid UTF-8 of 1 to %d characters", lang, max)
		}
	}
	return nil
}

// MessageText is what a visitor reading lang sees of a message: the text in
// their language, else the one text, else the first language that has one.
func MessageText(text string, texts map[string]string, lang string) string {
	if t := texts[lang]; t != "" {
		return t
	}
	if text != "" {
		return text
	}
	for _, l := range MessageLanguages {
		if t := texts[l]; t != "" {
			return t
		}
	}
	return ""
}
