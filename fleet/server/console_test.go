package server

import (
	"context"
	"encoding/csv"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"piste/fleet/protocol"
)

// Every console route refuses strangers, volunteers and editors, and keeps
// a branch admin to its branches; the open data needs no login.
func TestConsoleRouteBoundaries(t *testing.T) {
	f := newTestFleet(t)
	oodiPC, _ := f.enroll("oodi")
	admin, kallio, vera, edith := f.login("admin"), f.login("kallio-admin"), f.login("vera"), f.login("edith")
	status, _ := f.do("PUT", "/api/v1/policies/branch:oodi", admin, "")
	require.Equal(t, 200, status)
	status, _ = f.do("POST", "/api/v1/staff", admin, `{"name":"ossi","role":"volunteer","branches":["oodi"]}`)
	require.Equal(t, 201, status)

	routes := []struct{ method, path, body string }{
		{"GET", "/api/v1/policies/branch:oodi/versions", ""},
		{"POST", "/api/v1/policies/branch:oodi/rollback", `{"version":1}`},
		{"POST", "/api/v1/policies/branch:oodi/preview", `{"yaml":""}`},
		{"GET", "/api/v1/terminals/" + oodiPC + "/policy", ""},
		{"POST", "/api/v1/branches/oodi/wake", ""},
		{"PUT", "/api/v1/branches/oodi/hours/2026-12-24", `{"hours":"closed"}`},
		{"POST", "/api/v1/staff/ossi/disable", ""},
		{"POST", "/api/v1/staff/admin/reset-password", ""},
		{"PUT", "/api/v1/staff/admin/access", `{"role":"volunteer","branches":["kallio"]}`},
		{"POST", "/api/v1/staff", `{"name":"x","role":"admin","branches":["oodi"]}`},
	}
	for _, r := range routes {
		t.Run(r.method+" "+r.path, func(t *testing.T) {
			status, _ := f.do(r.method, r.path, "", r.body)
			assert.Equal(t, 401, status, "a stranger")
			for _, tok := range []string{vera, edith} {
				status, _ = f.do(r.method, r.path, tok, r.body)
				assert.Equal(t, 403, status, "a volunteer or editor")
			}
			status, body := f.do(r.method, r.path, kallio, r.body)
			assert.Contains(t, []int{400, 403, 404}, status, "kallio's admin acting on oodi: %v", body)
		})
	}
	for _, path := range []string{"/api/v1/staff", "/api/v1/measures", "/api/v1/power/saved", "/api/v1/power/schedules"} {
		status, _ := f.do("GET", path, vera, "")
		assert.Equal(t, 403, status, path)
	}

	resp, err := http.Get(f.srv.URL + "/api/v1/stats/measures.csv")
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode, "open data needs no login")
	assert.Equal(t, "text/csv; charset=utf-8", resp.Header.Get("Content-Type"))
	records, err := csv.NewReader(resp.Body).ReadAll()
	require.NoError(t, err)
	require.Len(t, records, 3)
	assert.Equal(t, []string{"kallio", "", ""}, []string{records[1][1], records[1][2], records[1][3]}, "one PC is under five: suppressed")
	status, body := f.do("GET", "/api/v1/stats/measures.json?month=2026-13", "", "")
	assert.Equal(t, 400, status)
	assert.Equal(t, "month", body["field"])
}

// A reset password locks the account out of everything but choosing a
// new one.
func TestResetPasswordLocksUntilChanged(t *testing.T) {
	f := newTestFleet(t)
	admin := f.login("admin")
	status, body := f.do("POST", "/api/v1/staff/vera/reset-password", admin, "")
	require.Equal(t, 200, status, body)
	temp := body["one_time_password"].(string)
	status, body = f.do("POST", "/api/v1/auth/login", "", `{"name":"vera","password":"`+temp+`"}`)
	require.Equal(t, 200, status, body)
	assert.Equal(t, true, body["must_change_password"])
	vera := body["token"].(string)
	status, body = f.do("GET", "/api/v1/branches", vera, "")
	assert.Equal(t, 403, status)
	assert.Contains(t, body["error"], "choose a new one first")
	status, _ = f.do("POST", "/api/v1/auth/password", vera, `{"current":"`+temp+`","new":"vera's new password"}`)
	require.Equal(t, 204, status)
	status, _ = f.do("GET", "/api/v1/branches", vera, "")
	assert.Equal(t, 200, status)
}

// The power schedule wakes a branch before opening through an awake
// terminal over its real link, once per opening.
func TestPowerScheduleWakesThroughARelay(t *testing.T) {
	// The schedule's clock, set before the server's own ticker reads it.
	var clock atomic.Int64
	f := newTestFleetWith(t, nil, func(s *Server) {
		s.API.Power.Now = func() time.Time { return time.UnixMilli(clock.Load()) }
	})
	admin := f.login("admin")
	relayID, relayToken := f.enroll("kallio")
	code := f.enrollCodeFor("kallio")
	status, body := f.do("POST", "/api/v1/enroll", "", `{"code":"`+code+`","name":"asleep","kind":"pc","mac":"52-54-00-AA-BB-CC"}`)
	require.Equal(t, 201, status, body)
	status, _ = f.do("PUT", "/api/v1/policies/branch:kallio", admin,
		`{"yaml":"hours:\n  weekly: {mon: \"09:00-20:00\", tue: \"09:00-20:00\", wed: \"09:00-20:00\", thu: \"09:00-20:00\", fri: \"09:00-20:00\", sat: \"09:00-20:00\", sun: \"09:00-20:00\"}\npower:\n  enabled: true\n  wake_before_opening_minutes: 15\n"}`)
	require.Equal(t, 200, status)

	ws := dialAgent(t, f, relayToken)
	hello(t, ws, "ep-relay")
	require.Eventually(t, func() bool { on, _ := f.srv.Hub.Online(relayID); return on }, 5*time.Second, 10*time.Millisecond)

	helsinki, err := time.LoadLocation("Europe/Helsinki")
	require.NoError(t, err)
	day := time.Now().In(helsinki).AddDate(0, 0, 1)
	power := f.srv.API.Power
	clock.Store(time.Date(day.Year(), day.Month(), day.Day(), 8, 30, 0, 0, helsinki).UnixMilli())
	require.NoError(t, power.Tick(context.Background()))
	queued, err := f.srv.Store.PendingCommands(context.Background(), relayID, power.Now())
	require.NoError(t, err)
	assert.Empty(t, queued, "30 minutes before opening is too early")

	clock.Store(time.Date(day.Year(), day.Month(), day.Day(), 8, 50, 0, 0, helsinki).UnixMilli())
	require.NoError(t, power.Tick(context.Background()))
	require.NoError(t, power.Tick(context.Background()))
	// A command may be delivered more than once until acked (agents run it
	// once by its id): count distinct commands.
	cmds := slices.CompactFunc(commandsOf(t, ws, time.Second), func(a, b protocol.Command) bool { return a.ID == b.ID })
	require.Len(t, cmds, 1, "one wake per opening")
	assert.Equal(t, protocol.CommandWake, cmds[0].Type)
	assert.Equal(t, "52:54:00:aa:bb:cc", cmds[0].Text)
}

// commandsOf reads the command frames a link gets within wait; the link
// cannot be read after (a read deadline breaks a gorilla connection).
func commandsOf(t *testing.T, ws *websocket.Conn, wait time.Duration) []protocol.Command {
	t.Helper()
	var out []protocol.Command
	ws.SetReadDeadline(time.Now().Add(wait))
	defer ws.SetReadDeadline(time.Time{})
	for {
		_, raw, err := ws.ReadMessage()
		if err != nil {
			return out
		}
		env, err := protocol.Decode(raw)
		require.NoError(t, err)
		if env.Type != protocol.TypeCommand {
			continue
		}
		var c protocol.Command
		require.NoError(t, protocol.DecodeBody(env, &c))
		out = append(out, c)
	}
}

func (f *testFleet) enrollCodeFor(branch string) string {
	status, body := f.do("POST", "/api/v1/enroll-codes", f.login("admin"), `{"branch":"`+branch+`","uses":1,"ttl":"1h"}`)
	require.Equal(f.t, 201, status, body)
	return body["code"].(string)
}

func TestOpenAPIDescribesConsoleRoutes(t *testing.T) {
	f := newTestFleet(t)
	resp, err := http.Get(f.srv.URL + "/api/v1/openapi.yaml")
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var doc struct {
		Paths map[string]map[string]any `yaml:"paths"`
	}
	require.NoError(t, yaml.Unmarshal(raw, &doc))
	for _, route := range []string{
		"GET /api/v1/policies/{scope}/versions", "POST /api/v1/policies/{scope}/rollback", "POST /api/v1/policies/{scope}/preview",
		"GET /api/v1/terminals/{id}/policy", "POST /api/v1/branches/{id}/wake", "PUT /api/v1/branches/{id}/hours/{date}",
		"GET /api/v1/power/saved", "GET /api/v1/power/schedules", "GET /api/v1/staff", "POST /api/v1/staff", "PUT /api/v1/staff/{name}/access",
		"POST /api/v1/staff/{name}/disable", "POST /api/v1/staff/{name}/enable", "POST /api/v1/staff/{name}/reset-password",
		"POST /api/v1/auth/password", "GET /api/v1/measures", "GET /api/v1/stats/measures.csv", "GET /api/v1/stats/measures.json",
	} {
		method, path, _ := strings.Cut(route, " ")
		ops, ok := doc.Paths[path]
		if assert.True(t, ok, "path %s missing from openapi.yaml", path) {
			assert.Contains(t, ops, strings.ToLower(method), route)
		}
	}
}
