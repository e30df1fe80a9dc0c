package server

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"piste/fleet/api"
	"piste/fleet/auth"
	"piste/fleet/protocol"
	"piste/fleet/store"
)

func TestOpenAPIDescribesHelpRoutes(t *testing.T) {
	f := newTestFleet(t)
	resp, err := http.Get(f.srv.URL + "/api/v1/openapi.yaml")
	require.NoError(t, err)
	defer resp.Body.Close()
	var doc struct {
		Paths map[string]map[string]any `yaml:"paths"`
	}
	require.NoError(t, yaml.NewDecoder(resp.Body).Decode(&doc))
	for _, route := range []string{
		"POST " + protocol.PathAgentHelp, "POST " + protocol.PathAgentHelpCancel, "POST " + protocol.PathAgentHelpMessages,
		"GET " + protocol.PathAgentHelpSupport, "GET /api/v1/help-requests", "POST /api/v1/help-requests",
		"POST /api/v1/help-requests/{id}/claim", "POST /api/v1/help-requests/{id}/release",
		"POST /api/v1/help-requests/{id}/resolve", "POST /api/v1/help-requests/{id}/messages",
		"GET /api/v1/help/duty", "PUT /api/v1/help/duty", "GET " + api.PathHelpLive,
		"GET /api/v1/stats/help", "GET /api/v1/stats/help.json", "GET /api/v1/stats/help.csv",
	} {
		method, path, _ := strings.Cut(route, " ")
		ops, ok := doc.Paths[path]
		if assert.True(t, ok, "path %s missing from openapi.yaml", path) {
			assert.Contains(t, ops, strings.ToLower(method), route)
		}
	}
}

// Every help entry point refuses bad input with the field at fault, and
// loses nothing: the request stays as it was.
func TestHelpAPIRefusesBadInputClearly(t *testing.T) {
	f := newTestFleet(t)
	_, tok := f.enroll("kallio")
	vera := f.login("vera")
	var v protocol.HelpView
	require.Equal(t, 200, f.agentCall(protocol.PathAgentHelp, tok, `{"topic":"email","language":"fi","session_id":"s1"}`, &v))

	tests := []struct {
		name, method, path, token, body string
		status                          int
		field                           string
	}{
		{"agent: not JSON", "POST", protocol.PathAgentHelp, tok, `{"topic":`, 400, ""},
		{"agent: unknown topic", "POST", protocol.PathAgentHelp, tok, `{"topic":"cooking","language":"fi"}`, 400, "topic"},
		{"agent: bad language", "POST", protocol.PathAgentHelp, tok, `{"topic":"email","language":"de"}`, 400, "language"},
		{"agent: note too long", "POST", protocol.PathAgentHelp, tok, `{"topic":"email","language":"fi","note":"` + strings.Repeat("x", 281) + `"}`, 400, "note"},
		{"agent: no token", "POST", protocol.PathAgentHelp, "", `{"topic":"email","language":"fi"}`, 401, ""},
		{"agent: wrong token", "POST", protocol.PathAgentHelp, "nope", `{"topic":"email","language":"fi"}`, 401, ""},
		{"agent: empty message", "POST", "/api/v1/agent/help/" + v.ID + "/messages", tok, `{"text":"  "}`, 400, "text"},
		{"agent: another's request", "POST", "/api/v1/agent/help/h-nope/cancel", tok, ``, 404, ""},
		{"status filter", "GET", "/api/v1/help-requests?status=closed", vera, ``, 400, "status"},
		{"bad outcome", "POST", "/api/v1/help-requests/" + v.ID + "/resolve", vera, `{"outcome":"great"}`, 400, "outcome"},
		{"unknown field", "POST", "/api/v1/help-requests/" + v.ID + "/resolve", vera, `{"outcome":"solved","score":5}`, 400, ""},
		{"duty without on", "PUT", "/api/v1/help/duty", vera, `{}`, 400, "on"},
		{"walk-in elsewhere", "POST", "/api/v1/help-requests", vera, `{"branch":"oodi","topic":"email","language":"fi"}`, 400, "branch"},
		{"stats period", "GET", "/api/v1/stats/help?from=last-week", f.login("admin"), ``, 400, "from"},
		{"message on a request not claimed", "POST", "/api/v1/help-requests/" + v.ID + "/messages", vera, `{"text":"hi"}`, 409, ""},
		{"agent: message too long", "POST", "/api/v1/agent/help/" + v.ID + "/messages", tok, `{"text":"` + strings.Repeat("y", 501) + `"}`, 400, "text"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body := f.do(tc.method, tc.path, tc.token, tc.body)
			assert.Equal(t, tc.status, status, body)
			assert.NotEmpty(t, body["error"])
			if tc.field != "" {
				assert.Equal(t, tc.field, body["field"], body)
			}
		})
	}
	got, err := f.srv.Store.HelpRequest(context.Background(), v.ID)
	require.NoError(t, err)
	assert.Equal(t, "open", got.Status, "nothing refused changed the request")
}

// A volunteer of several branches serves all of them and no other; their
// live socket carries their branches' requests only; actions are audited
// under the branch, for its admins to read.
func TestHelpScopeLiveAndAudit(t *testing.T) {
	f := newTestFleet(t)
	ctx := context.Background()
	require.NoError(t, f.srv.Store.AddBranch(ctx, store.Branch{ID: "toolo", Name: "Töölö", TZ: "Europe/Helsinki"}))
	hash, err := auth.HashPassword("password-multi")
	require.NoError(t, err)
	require.NoError(t, f.srv.Store.AddUser(ctx, store.User{Name: "multi", Role: api.RoleVolunteer, Branches: []string{"kallio", "toolo"}, PWHash: hash}))
	multi := f.login("multi")
	vera := f.login("vera")

	ws, _, err := websocket.DefaultDialer.Dial(strings.Replace(f.srv.URL, "http", "ws", 1)+api.PathHelpLive,
		http.Header{"Authorization": {"Bearer " + vera}})
	require.NoError(t, err)
	defer ws.Close()
	var frame struct {
		Type     string
		Requests []map[string]any
		Request  map[string]any
	}
	require.NoError(t, ws.ReadJSON(&frame))
	assert.Equal(t, "full", frame.Type)

	ask := func(branch string) string {
		_, tok := f.enroll(branch)
		var v protocol.HelpView
		require.Equal(t, 200, f.agentCall(protocol.PathAgentHelp, tok, `{"topic":"forms","language":"sv","session_id":"s"}`, &v))
		return v.ID
	}
	inOodi, inToolo, inKallio := ask("oodi"), ask("toolo"), ask("kallio")
	ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	require.NoError(t, ws.ReadJSON(&frame))
	assert.Equal(t, inKallio, frame.Request["id"], "vera's socket carries kallio's request and not oodi's or töölö's")

	status, body := f.doList("GET", "/api/v1/help-requests", multi)
	require.Equal(t, 200, status)
	assert.ElementsMatch(t, []string{inToolo, inKallio}, ids(body))
	assert.Equal(t, 404, f.status("POST", "/api/v1/help-requests/"+inOodi+"/claim", multi, `{}`))
	assert.Equal(t, 200, f.status("POST", "/api/v1/help-requests/"+inToolo+"/claim", multi, `{}`))

	ka := f.login("kallio-admin")
	assert.Equal(t, 200, f.status("POST", "/api/v1/help-requests/"+inKallio+"/claim", vera, `{}`))
	status, audit := f.doList("GET", "/api/v1/audit", ka)
	require.Equal(t, 200, status)
	var actions []string
	for _, e := range audit {
		actions = append(actions, e["action"].(string)+" "+e["actor"].(string))
	}
	assert.Contains(t, actions, "help-claim vera")
	assert.NotContains(t, actions, "help-claim multi", "töölö's claim is not kallio's admin's to read")

	// A write with the session cookie from another site is refused.
	req, _ := http.NewRequest("POST", f.srv.URL+"/api/v1/help-requests/"+inKallio+"/release", strings.NewReader(`{}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", "https://evil.example")
	req.AddCookie(&http.Cookie{Name: api.SessionCookie, Value: vera})
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 403, resp.StatusCode)
}

func ids(list []map[string]any) []string {
	var out []string
	for _, m := range list {
		out = append(out, m["id"].(string))
	}
	return out
}

// doList is do for an answer that is a JSON list.
func (f *testFleet) doList(method, path, token string) (int, []map[string]any) {
	f.t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+path, nil)
	require.NoError(f.t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(f.t, err)
	defer resp.Body.Close()
	var out []map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func (f *testFleet) status(method, path, token, body string) int {
	f.t.Helper()
	s, _ := f.do(method, path, token, body)
	return s
}
