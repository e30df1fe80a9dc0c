package protocol

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
)

func TestHelpAskCheck(t *testing.T) {
	ok, err := HelpAsk{Topic: "email", Language: "sv", Note: "  hej\n "}.Check()
	assert.NoError(t, err)
	assert.Equal(t, "hej", ok.Note, "trimmed")
	for _, bad := range []HelpAsk{
		{Topic: "", Language: "fi"},
		{Topic: "E-mail", Language: "fi"},
		{Topic: "email", Language: "FI"},
		{Topic: "email", Language: "fi", Note: strings.Repeat("å", MaxHelpNote+1)},
		{Topic: "email", Language: "fi", Note: "bell\a"},
		{Topic: "email", Language: "fi", Note: "\xff\xfe"},
		{Topic: "email", Language: "fi", SessionID: strings.Repeat("s", 129)},
	} {
		_, err := bad.Check()
		assert.Error(t, err, "%+v", bad)
	}
	_, err = HelpAsk{Topic: "email", Language: "fi", Note: strings.Repeat("å", MaxHelpNote)}.Check()
	assert.NoError(t, err, "the limit counts characters, not bytes")
}

// FuzzHelpAsk feeds the fleet's reading of an agent's help request: a
// request that passes Check holds only what it promises.
func FuzzHelpAsk(f *testing.F) {
	f.Add([]byte(`{"topic":"email","language":"fi","note":"en pääse sisään"}`))
	f.Add([]byte(`{"topic":"printing","language":"sv","session_id":"s-1"}`))
	f.Add([]byte(`{"topic":"a","language":"en","note":"<script>alert(1)</script>"}`))
	f.Add([]byte(`{"topic":"x","language":"fi","note":"\u0000\u001b[2J"}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var a HelpAsk
		if json.Unmarshal(data, &a) != nil {
			return
		}
		got, err := a.Check()
		if err != nil {
			return
		}
		if !ValidTopicID(got.Topic) || utf8.RuneCountInString(got.Note) > MaxHelpNote || !utf8.ValidString(got.Note) {
			t.Fatalf("Check passed %+v", got)
		}
		for _, r := range got.Note {
			if r < 0x20 && r != '\n' && r != '\t' || r == 0x7f {
				t.Fatalf("control character %U passed in %q", r, got.Note)
			}
		}
	})
}
