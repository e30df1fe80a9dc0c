package e2e

import (
	"database/sql"
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"piste/fleet/protocol"
	"piste/fleet/store"
)

// keptSettings counts the rows of remembered settings in the fleet's
// database, read from the file itself.
func keptSettings(t *testing.T, f *fleet) int {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(f.data, store.FileName)+"?mode=ro")
	require.NoError(t, err)
	defer db.Close()
	var n int
	require.NoError(t, db.QueryRow(`SELECT count(*) FROM visitor_settings`).Scan(&n))
	return n
}

// TestRememberedSettingsFollowTheVisitor: a visitor chooses large text,
// high contrast, Swedish and speech at one PC and asks to have them
// remembered; at the next login on another PC they are applied; deleting
// them from the kiosk removes them from the fleet's database; and the end
// of the session turns speech off again.
func TestRememberedSettingsFollowTheVisitor(t *testing.T) {
	s := newVisitorSetup(t, "max_minutes: 30\ndaily_minutes: 120")
	a, b := s.a, s.secondAgent(t, "pc-2")
	const card, pin = "20000002", "1234"

	ctlOn(t, a, pin+"\n", 0, "login", "--card", card, "--pin-stdin")
	ctlOn(t, a, "", 0, "a11y", "--text-scale", "175", "--contrast", "--speech", "--speech-rate", "200", "--language", "sv")
	out, _ := ctlOn(t, a, "", 0, "remember")
	var d protocol.MyData
	require.NoError(t, json.Unmarshal([]byte(out), &d), out)
	require.NotNil(t, d.Settings)
	assert.Equal(t, protocol.VisitorSettings{TextScale: 175, HighContrast: true, Language: "sv", Speech: true, SpeechRate: 200}, *d.Settings)
	assert.Equal(t, 1, keptSettings(t, s.f))
	s.endOn(t, a, 1)
	acc, _ := a.ctlStatus()["accessibility"].(map[string]any)
	assert.NotEqual(t, true, acc["speech"], "speech is off again after the session")

	ctlOn(t, b, pin+"\n", 0, "login", "--card", card, "--pin-stdin")
	st := b.ctlStatus()
	acc, _ = st["accessibility"].(map[string]any)
	assert.Equal(t, "sv", st["language"], "applied at the next login, on another PC")
	assert.EqualValues(t, 175, acc["text_scale"])
	assert.Equal(t, true, acc["high_contrast"])
	assert.Equal(t, true, acc["speech"])

	out, _ = ctlOn(t, b, "", 0, "forget")
	d = protocol.MyData{}
	require.NoError(t, json.Unmarshal([]byte(out), &d), out)
	assert.Nil(t, d.Settings)
	assert.NotEmpty(t, d.SessionsToday, "today's sessions are shown: the quota keeps them")
	assert.Zero(t, keptSettings(t, s.f), "deleted from the kiosk: gone from the fleet's database")

	// Outside a card session there is nothing to remember.
	s.endOn(t, b, 2)
	_, errOut := ctlOn(t, b, "", 1, "remember")
	assert.Contains(t, errOut, "library card session")
}
