package store

import "encoding/json"

// Texts is one text in several languages, by language code ("fi", "sv",
// "en"); it is stored as JSON, empty when there is none.
type Texts map[string]string

func (t Texts) column() string {
	if len(t) == 0 {
		return ""
	}
	b, _ := json.Marshal(map[string]string(t)) // a map of strings always encodes
	return string(b)
}

func textsFromColumn(s string) Texts {
	if s == "" {
		return nil
	}
	var t Texts
	if json.Unmarshal([]byte(s), &t) != nil {
		return nil
	}
	return t
}
