package server

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
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

// testFleet is a real fleet server on a loopback port with a temp store.
type testFleet struct {
	t   testing.TB
	srv *Server
}

func newTestFleet(t *testing.T) *testFleet {
	return newTestFleetWith(t, nil, nil)
}

// newTestFleetWith lets a test change the configuration, and the server
// before it starts.
func newTestFleetWith(t testing.TB, configure func(*Config), prepare func(*Server)) *testFleet {
	cfg := Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), Heartbeat: time.Second, MetricsAddr: "127.0.0.1:0"}
	if configure != nil {
		configure(&cfg)
	}
	srv, err := New(cfg, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	if prepare != nil {
		prepare(srv)
	}
	require.NoError(t, srv.Start())
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	})
	ctx := context.Background()
	require.NoError(t, srv.Store.AddBranch(ctx, store.Branch{ID: "kallio", Name: "Kallio", TZ: "Europe/Helsinki"}))
	require.NoError(t, srv.Store.AddBranch(ctx, store.Branch{ID: "oodi", Name: "Oodi", TZ: "Europe/Helsinki"}))
	for _, u := range []struct{ name, role, branch string }{
		{"admin", api.RoleAdmin, ""}, {"kallio-admin", api.RoleAdmin, "kallio"},
		{"vera", api.RoleVolunteer, "kallio"}, {"edith", api.RoleEditor, ""},
	} {
		hash, err := auth.HashPassword("password-" + u.name)
		require.NoError(t, err)
		require.NoError(t, srv.Store.AddUser(ctx, store.User{Name: u.name, Role: u.role, Branches: store.OneBranch(u.branch), PWHash: hash}))
	}
	return &testFleet{t: t, srv: srv}
}

func (f *testFleet) do(method, path, token, body string) (int, map[string]any) {
	f.t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+path, strings.NewReader(body))
	require.NoError(f.t, err)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(f.t, err)
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	json.Unmarshal(raw, &out)
	return resp.StatusCode, out
}

func (f *testFleet) login(name string) string {
	status, body := f.do("POST", "/api/v1/auth/login", "", `{"name":"`+name+`","password":"password-`+name+`"}`)
	require.Equal(f.t, 200, status, body)
	return body["token"].(string)
}

// enroll creates a terminal through the API and returns its id and token.
func (f *testFleet) enroll(branch string) (string, string) {
	code, err := api.NewEnrollCode(context.Background(), f.srv.Store, branch, 1, time.Hour)
	require.NoError(f.t, err)
	status, body := f.do("POST", "/api/v1/enroll", "", `{"code":"`+code+`","name":"pc","kind":"pc"}`)
	require.Equal(f.t, 201, status, body)
	return body["terminal_id"].(string), body["token"].(string)
}

func TestAPIRefusesBadInputClearly(t *testing.T) {
	f := newTestFleet(t)
	admin := f.login("admin")
	id, _ := f.enroll("kallio")
	tests := []struct {
		name, method, path, token, body string
		status                          int
		errContains                     string
	}{
		{"login bad json", "POST", "/api/v1/auth/login", "", `{"name":`, 400, "not valid JSON"},
		{"login empty body", "POST", "/api/v1/auth/login", "", ``, 400, "body is empty"},
		{"login missing password", "POST", "/api/v1/auth/login", "", `{"name":"admin"}`, 400, "name and password are required"},
		{"login unknown field", "POST", "/api/v1/auth/login", "", `{"name":"admin","password":"x","otp":1}`, 400, `unknown field "otp"`},
		{"login wrong type", "POST", "/api/v1/auth/login", "", `{"name":5,"password":"x"}`, 400, `field "name" must be string`},
		{"login two objects", "POST", "/api/v1/auth/login", "", `{"name":"a","password":"b"}{}`, 400, "one JSON object"},
		{"login wrong password", "POST", "/api/v1/auth/login", "", `{"name":"admin","password":"nope-nope-nope"}`, 401, "wrong name or password"},
		{"enroll no code", "POST", "/api/v1/enroll", "", `{"name":"x"}`, 400, "code is required"},
		{"enroll bad kind", "POST", "/api/v1/enroll", "", `{"code":"X","kind":"toaster"}`, 400, "kind must be pc or screen"},
		{"terminals no token", "GET", "/api/v1/terminals", "", "", 401, "log in first"},
		{"terminals bad token", "GET", "/api/v1/terminals", "bogus", "", 401, "log in first"},
		{"terminals bad status", "GET", "/api/v1/terminals?status=sleeping", admin, "", 400, "status must be"},
		{"terminal unknown", "GET", "/api/v1/terminals/t-nope", admin, "", 404, `no terminal "t-nope"`},
		{"health bad since", "GET", "/api/v1/terminals/" + id + "/health?since=yesterday", admin, "", 400, "since must be an RFC 3339"},
		{"command bad json", "POST", "/api/v1/terminals/" + id + "/commands", admin, `{`, 400, "not valid JSON"},
		{"command missing type", "POST", "/api/v1/terminals/" + id + "/commands", admin, `{}`, 400, "type must be one of"},
		{"command unknown type", "POST", "/api/v1/terminals/" + id + "/commands", admin, `{"type":"format_disk"}`, 400, "type must be one of"},
		{"message without text", "POST", "/api/v1/terminals/" + id + "/commands", admin, `{"type":"message"}`, 400, "needs text"},
		{"message too long", "POST", "/api/v1/terminals/" + id + "/commands", admin, `{"type":"message","text":"` + strings.Repeat("a", 501) + `"}`, 400, "at most 500"},
		{"command bad ttl", "POST", "/api/v1/terminals/" + id + "/commands", admin, `{"type":"lock","ttl":"soon"}`, 400, "ttl must be a duration"},
		{"command huge body", "POST", "/api/v1/terminals/" + id + "/commands", admin, `{"type":"message","text":"` + strings.Repeat("a", 70000) + `"}`, 413, "larger than"},
		{"command unknown", "GET", "/api/v1/commands/c-nope", admin, "", 404, `no command "c-nope"`},
		{"enroll code bad branch", "POST", "/api/v1/enroll-codes", admin, `{"branch":"atlantis"}`, 400, `branch "atlantis" does not exist`},
		{"enroll code bad uses", "POST", "/api/v1/enroll-codes", admin, `{"branch":"kallio","uses":-1}`, 400, "uses must be between"},
		{"unknown endpoint", "GET", "/api/v1/teleport", admin, "", 404, "no such API endpoint"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body := f.do(tc.method, tc.path, tc.token, tc.body)
			assert.Equal(t, tc.status, status, body)
			assert.Contains(t, body["error"], tc.errContains)
		})
	}
}

func TestAPIRoles(t *testing.T) {
	f := newTestFleet(t)
	kallioTerm, _ := f.enroll("kallio")
	oodiTerm, _ := f.enroll("oodi")
	volunteer, editor, branchAdmin := f.login("vera"), f.login("edith"), f.login("kallio-admin")

	for _, token := range []string{volunteer, editor} {
		for _, ep := range []struct{ method, path, body string }{
			{"GET", "/api/v1/terminals", ""},
			{"GET", "/api/v1/terminals/" + kallioTerm, ""},
			{"POST", "/api/v1/terminals/" + kallioTerm + "/commands", `{"type":"lock"}`},
			{"POST", "/api/v1/terminals/" + kallioTerm + "/revoke", ""},
			{"GET", "/api/v1/audit", ""},
			{"POST", "/api/v1/enroll-codes", `{"branch":"kallio"}`},
		} {
			status, body := f.do(ep.method, ep.path, token, ep.body)
			assert.Equal(t, 403, status, "%s %s: %v", ep.method, ep.path, body)
			assert.Contains(t, body["error"], "needs the admin role")
		}
	}
	// A branch admin sees only its branch; another branch's terminal is not even acknowledged.
	req, _ := http.NewRequest("GET", f.srv.URL+"/api/v1/terminals", nil)
	req.Header.Set("Authorization", "Bearer "+branchAdmin)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	var list []api.TerminalView
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&list))
	resp.Body.Close()
	require.Len(t, list, 1)
	assert.Equal(t, kallioTerm, list[0].ID)
	status, _ := f.do("GET", "/api/v1/terminals/"+oodiTerm, branchAdmin, "")
	assert.Equal(t, 404, status)
	status, _ = f.do("POST", "/api/v1/terminals/"+oodiTerm+"/commands", branchAdmin, `{"type":"lock"}`)
	assert.Equal(t, 404, status)
}

func TestLoginRateLimit(t *testing.T) {
	f := newTestFleet(t)
	for i := 0; i < 5; i++ {
		status, _ := f.do("POST", "/api/v1/auth/login", "", `{"name":"admin","password":"guess-guess-`+string(rune('a'+i))+`"}`)
		require.Equal(t, 401, status)
	}
	status, body := f.do("POST", "/api/v1/auth/login", "", `{"name":"admin","password":"password-admin"}`)
	assert.Equal(t, 429, status, "even the right password waits after five failures")
	assert.Contains(t, body["error"], "too many failed logins")
}

// Every route the server answers is in the OpenAPI document.
func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	f := newTestFleet(t)
	resp, err := http.Get(f.srv.URL + "/api/v1/openapi.yaml")
	require.NoError(t, err)
	defer resp.Body.Close()
	var doc struct {
		Paths map[string]map[string]any `yaml:"paths"`
	}
	require.NoError(t, yaml.NewDecoder(resp.Body).Decode(&doc))
	for _, route := range []string{
		"POST /api/v1/auth/login", "POST /api/v1/auth/logout", "GET /api/v1/auth/me", "POST /api/v1/enroll",
		"GET /api/v1/branches", "POST /api/v1/enroll-codes", "GET /api/v1/terminals", "GET /api/v1/terminals/{id}",
		"GET /api/v1/terminals/{id}/health", "POST /api/v1/terminals/{id}/commands", "POST /api/v1/terminals/{id}/revoke",
		"GET /api/v1/commands/{id}", "GET /api/v1/audit", "GET /api/v1/live", "GET " + protocol.Path, "GET /healthz", "GET /metrics",
		"POST " + protocol.PathAgentLogin, "POST " + protocol.PathAgentGuest, "POST " + protocol.PathAgentExtend,
		"POST " + protocol.PathAgentReserve,
		"GET /api/v1/policies/{scope}", "PUT /api/v1/policies/{scope}", "POST /api/v1/guest-passes",
		"POST /api/v1/reservations", "GET /api/v1/reservations", "DELETE /api/v1/reservations/{id}",
		"POST /api/v1/branches/{id}/queue", "GET /api/v1/sessions", "GET /api/v1/terminals/{id}/wipes", "GET /api/v1/alerts",
		"GET /api/v1/terminals/{id}/rejected-events", "POST /api/v1/terminals/{id}/rejected-events/settle",
	} {
		method, path, _ := strings.Cut(route, " ")
		ops, ok := doc.Paths[path]
		if assert.True(t, ok, "path %s missing from openapi.yaml", path) {
			assert.Contains(t, ops, strings.ToLower(method), route)
		}
	}
}

// dialAgent opens an agent link with a terminal token.
func dialAgent(t *testing.T, f *testFleet, token string) *websocket.Conn {
	ws, resp, err := websocket.DefaultDialer.Dial(strings.Replace(f.srv.URL, "http", "ws", 1)+protocol.Path,
		http.Header{"Authorization": {"Bearer " + token}})
	if resp != nil && resp.StatusCode == 401 {
		t.Fatalf("link refused with 401")
	}
	require.NoError(t, err)
	t.Cleanup(func() { ws.Close() })
	return ws
}

func hello(t *testing.T, ws *websocket.Conn, epoch string) protocol.Welcome {
	frame, err := protocol.Encode("h", protocol.TypeHello, protocol.Hello{AgentVersion: "test", Kind: "pc", Epoch: epoch})
	require.NoError(t, err)
	require.NoError(t, ws.WriteMessage(websocket.TextMessage, frame))
	_, raw, err := ws.ReadMessage()
	require.NoError(t, err)
	env, err := protocol.Decode(raw)
	require.NoError(t, err)
	require.Equal(t, protocol.TypeWelcome, env.Type)
	var w protocol.Welcome
	require.NoError(t, protocol.DecodeBody(env, &w))
	return w
}

// closeCode reads until the server closes and returns its close frame.
func closeCode(t *testing.T, ws *websocket.Conn) (int, string) {
	ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		_, _, err := ws.ReadMessage()
		if ce, ok := err.(*websocket.CloseError); ok {
			return ce.Code, ce.Text
		}
		require.NoError(t, err, "want a close frame")
	}
}

func TestLinkClosesBadPeersWithReasonAndServesOthers(t *testing.T) {
	f := newTestFleet(t)
	_, goodToken := f.enroll("kallio")
	good := dialAgent(t, f, goodToken)
	hello(t, good, "good")

	tests := []struct {
		name   string
		frames []string
		code   int
		reason string
	}{
		{"not json", []string{`{{{`}, protocol.CloseProtocolError, "malformed envelope"},
		{"first frame not hello", []string{`{"v":1,"id":"x","type":"event","body":{}}`}, protocol.CloseProtocolError, "first frame must be hello"},
		{"wrong version", []string{"HELLO", `{"v":9,"id":"x","type":"event"}`}, protocol.CloseVersion, "unsupported protocol version 9"},
		{"event without seq", []string{"HELLO", `{"v":1,"id":"x","type":"event","body":{"epoch":"bad","kind":"health","at":"2026-01-01T00:00:00Z"}}`}, protocol.CloseProtocolError, "seq must be positive"},
		{"event of another epoch", []string{"HELLO", `{"v":1,"id":"x","type":"event","body":{"epoch":"other","seq":1,"kind":"test","at":"2026-01-01T00:00:00Z"}}`}, protocol.CloseProtocolError, "epoch differs"},
		{"oversized", []string{"HELLO", `{"v":1,"id":"x","type":"event","body":"` + strings.Repeat("x", protocol.MaxFrameBytes+10) + `"}`}, websocket.CloseMessageTooBig, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, token := f.enroll("kallio")
			ws := dialAgent(t, f, token)
			for _, fr := range tc.frames {
				if fr == "HELLO" {
					hello(t, ws, "bad")
					continue
				}
				require.NoError(t, ws.WriteMessage(websocket.TextMessage, []byte(fr)))
			}
			code, reason := closeCode(t, ws)
			assert.Equal(t, tc.code, code)
			assert.Contains(t, reason, tc.reason)
		})
	}
	// The well-behaved terminal is still served: an event is stored and acked.
	ev := protocol.Event{Epoch: "good", Seq: 1, Kind: protocol.EventTest, At: time.Now()}
	frame, _ := protocol.Encode("good-1", protocol.TypeEvent, ev)
	require.NoError(t, good.WriteMessage(websocket.TextMessage, frame))
	env := readUntil(t, good, protocol.TypeAck)
	var ack protocol.Ack
	require.NoError(t, protocol.DecodeBody(env, &ack))
	assert.Equal(t, uint64(1), ack.Seq)

	// Unknown tokens get a plain 401 before any upgrade.
	_, resp, err := websocket.DefaultDialer.Dial(strings.Replace(f.srv.URL, "http", "ws", 1)+protocol.Path,
		http.Header{"Authorization": {"Bearer nope"}})
	require.Error(t, err)
	assert.Equal(t, 401, resp.StatusCode)
}

// A resent event is acked again but stored once, and the welcome tells
// a reconnecting agent how far the fleet got.
func TestLinkDedupesResends(t *testing.T) {
	f := newTestFleet(t)
	_, token := f.enroll("kallio")
	send := func(ws *websocket.Conn, seq uint64) protocol.Ack {
		frame, _ := protocol.Encode("x", protocol.TypeEvent, protocol.Event{Epoch: "ep", Seq: seq, Kind: protocol.EventTest, At: time.Now(), Data: json.RawMessage(`{"n":1}`)})
		require.NoError(t, ws.WriteMessage(websocket.TextMessage, frame))
		env := readUntil(t, ws, protocol.TypeAck)
		var ack protocol.Ack
		require.NoError(t, protocol.DecodeBody(env, &ack))
		return ack
	}
	ws := dialAgent(t, f, token)
	assert.Equal(t, uint64(0), hello(t, ws, "ep").AckedSeq)
	for seq := uint64(1); seq <= 3; seq++ {
		assert.Equal(t, seq, send(ws, seq).Seq)
	}
	ws.Close()
	ws = dialAgent(t, f, token)
	assert.Equal(t, uint64(3), hello(t, ws, "ep").AckedSeq)
	assert.Equal(t, uint64(2), send(ws, 2).Seq, "a resend is acked")
	n, err := f.srv.Store.CountEvents(context.Background(), protocol.EventTest)
	require.NoError(t, err)
	assert.Equal(t, 3, n)
}
