package server

import (
	"database/sql"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"piste/fleet/protocol"
	"piste/fleet/store"
)

// myData calls the agent's MyData endpoint for a session.
func (f *testFleet) myData(method, token, sessionID, body string) (int, protocol.MyData, string) {
	f.t.Helper()
	path := strings.Replace(protocol.PathAgentMyData, "{id}", sessionID, 1)
	req, err := http.NewRequest(method, f.srv.URL+path, strings.NewReader(body))
	require.NoError(f.t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(f.t, err)
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var d protocol.MyData
	if resp.StatusCode == 200 {
		require.NoError(f.t, json.Unmarshal(raw, &d), string(raw))
	}
	return resp.StatusCode, d, string(raw)
}

// keptRows returns every row of visitor_settings as text, straight from
// the database.
func (f *testFleet) keptRows() []string {
	f.t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(f.srv.cfg.DataDir, store.FileName)+"?mode=ro")
	require.NoError(f.t, err)
	defer db.Close()
	rows, err := db.Query(`SELECT card_hash || ' ' || settings FROM visitor_settings`)
	require.NoError(f.t, err)
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		require.NoError(f.t, rows.Scan(&s))
		out = append(out, s)
	}
	return out
}

func TestRememberedSettingsFollowTheCard(t *testing.T) {
	lib := sip2Library(t)
	f, clock := visitFleet(t, lib.Addr())
	f.srv.API.MyData.Now = f.srv.Visits.Now
	_, kallio := f.enroll("kallio")
	_, oodi := f.enroll("oodi")

	status, first, ref := f.cardLogin(kallio, "20000002", "1234")
	require.Equal(t, 200, status, ref)
	status, d, body := f.myData("GET", kallio, first.SessionID, "")
	require.Equal(t, 200, status, body)
	assert.Nil(t, d.Settings, "nothing is kept until the visitor asks")
	require.Len(t, d.SessionsToday, 1, "today's session is what the quota keeps")

	// Remember at Kallio.
	status, d, body = f.myData("PUT", kallio, first.SessionID,
		`{"text_scale":175,"high_contrast":true,"language":"sv","speech":true,"speech_rate":200}`)
	require.Equal(t, 200, status, body)
	want := protocol.VisitorSettings{TextScale: 175, HighContrast: true, Language: "sv", Speech: true, SpeechRate: 200}
	assert.Equal(t, &want, d.Settings)
	rows := f.keptRows()
	require.Len(t, rows, 1)
	assert.NotContains(t, rows[0], "20000002", "kept by the card's keyed hash, never its number")
	assert.Regexp(t, `^[0-9a-f]{64} `, rows[0])

	// The same card at Oodi finds them.
	clock.Add(int64(time.Hour))
	status, second, ref := f.cardLogin(oodi, "20000002", "1234")
	require.Equal(t, 200, status, ref)
	status, d, body = f.myData("GET", oodi, second.SessionID, "")
	require.Equal(t, 200, status, body)
	assert.Equal(t, &want, d.Settings, "applied at the next login anywhere")
	assert.Len(t, d.SessionsToday, 2)

	// Nobody else reaches them: another terminal, another card, a guessed id.
	status, _, _ = f.myData("GET", kallio, second.SessionID, "")
	assert.Equal(t, 404, status, "Kallio cannot read a session running at Oodi")
	status, other, _ := f.cardLogin(kallio, "20000003", "1234")
	require.Equal(t, 200, status)
	status, d, _ = f.myData("GET", kallio, other.SessionID, "")
	require.Equal(t, 200, status)
	assert.Nil(t, d.Settings, "another card has its own, none")
	status, _, _ = f.myData("GET", oodi, "no-such-session", "")
	assert.Equal(t, 404, status)
	status, _, body = f.myData("PUT", oodi, second.SessionID, `{"text_scale":900,"language":"sv"}`)
	assert.Equal(t, 400, status)
	assert.Contains(t, body, "text_scale must be between 100 and 200")
	status, _, _ = f.myData("GET", "not-a-token", second.SessionID, "")
	assert.Equal(t, 401, status)

	// Deleted from the kiosk: gone from the database.
	status, d, body = f.myData("DELETE", oodi, second.SessionID, "")
	require.Equal(t, 200, status, body)
	assert.Nil(t, d.Settings)
	assert.Empty(t, f.keptRows())
}
