package server

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"piste/fleet/protocol"
	"piste/fleet/sip2"
	"piste/testing/sip2server"
)

// sip2Library starts the SIP2 test server with the demo patrons.
func sip2Library(t *testing.T) *sip2server.Server {
	lib, err := sip2server.New(sip2server.Config{Patrons: sip2server.DemoPatrons()})
	require.NoError(t, err)
	require.NoError(t, lib.Listen("127.0.0.1:0"))
	t.Cleanup(func() { lib.Close() })
	return lib
}

func sip2Config(addr string) *sip2.Config {
	return &sip2.Config{Addr: addr, User: "scclient", Password: "clientpwd", Institution: "UWOLS",
		DialTimeout: 500 * time.Millisecond, RequestTimeout: 500 * time.Millisecond}
}

// visitFleet is a fleet with a library system, and a clock the test moves.
func visitFleet(t *testing.T, addr string) (*testFleet, *atomic.Int64) {
	// The clock starts at the last 08:00 UTC, a morning in Europe, not at
	// the wall clock: a visitor's day is the branch's local day, and a test
	// run near midnight must not see its second session fall on tomorrow.
	// Never ahead of the wall clock, so codes issued now have not expired.
	morning := time.Now().UTC().Add(-8 * time.Hour).Truncate(24 * time.Hour).Add(8 * time.Hour)
	var clock atomic.Int64
	clock.Store(morning.UnixNano())
	f := newTestFleetWith(t, func(c *Config) { c.SIP2 = sip2Config(addr) }, func(s *Server) {
		s.Visits.Now = func() time.Time { return time.Unix(0, clock.Load()) }
		s.API.Now = s.Visits.Now
	})
	return f, &clock
}

// agentCall posts to an agent endpoint and decodes the answer into out.
func (f *testFleet) agentCall(path, token, body string, out any) int {
	f.t.Helper()
	req, err := http.NewRequest("POST", f.srv.URL+path, strings.NewReader(body))
	require.NoError(f.t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(f.t, err)
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil {
		require.NoError(f.t, json.Unmarshal(raw, out), string(raw))
	}
	return resp.StatusCode
}

func (f *testFleet) cardLogin(token, card, pin string) (int, protocol.SessionGrant, protocol.RefusalBody) {
	f.t.Helper()
	var raw json.RawMessage
	status := f.agentCall(protocol.PathAgentLogin, token, `{"card":"`+card+`","pin":"`+pin+`"}`, &raw)
	var g protocol.SessionGrant
	var r protocol.RefusalBody
	if status == 200 {
		require.NoError(f.t, json.Unmarshal(raw, &g))
	} else {
		require.NoError(f.t, json.Unmarshal(raw, &r))
	}
	return status, g, r
}

// applyPolicy stores a policy layer through the API.
func (f *testFleet) applyPolicy(scope, yamlText string) {
	f.t.Helper()
	req, err := http.NewRequest("PUT", f.srv.URL+"/api/v1/policies/"+scope, strings.NewReader(yamlText))
	require.NoError(f.t, err)
	req.Header.Set("Authorization", "Bearer "+f.login("admin"))
	resp, err := http.DefaultClient.Do(req)
	require.NoError(f.t, err)
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(f.t, 200, resp.StatusCode, string(raw))
}

func TestCardLoginVerdicts(t *testing.T) {
	lib := sip2Library(t)
	f, _ := visitFleet(t, lib.Addr())
	_, token := f.enroll("kallio")
	tests := []struct {
		name, card, pin string
		status          int
		code            protocol.RefusalCode
	}{
		{"valid card", "20000001", "1234", 200, ""},
		{"wrong PIN", "20000002", "9999", 409, protocol.RefusalWrongCardOrPIN},
		{"unknown card", "99999999", "1234", 409, protocol.RefusalWrongCardOrPIN},
		{"blocked card", "20000004", "1234", 409, protocol.RefusalBlocked},
		{"fees over the limit", "20000005", "1234", 409, protocol.RefusalFees},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, grant, ref := f.cardLogin(token, tc.card, tc.pin)
			assert.Equal(t, tc.status, status, ref)
			assert.Equal(t, tc.code, ref.Refusal.Code)
			if tc.status == 200 {
				assert.NotEmpty(t, grant.SessionID)
				assert.Equal(t, protocol.SessionCard, grant.Kind)
				assert.Equal(t, 60, grant.Minutes, "default max_minutes")
				assert.Equal(t, 60, grant.DailyMinutesLeft)
				assert.Equal(t, "0001", grant.CardHint)
			}
		})
	}
}

func TestCardLoginWhenLibrarySystemIsDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closed := ln.Addr().String()
	ln.Close()
	silent := sip2Library(t)
	silent.SetFaults(sip2server.Faults{Silent: true})
	for name, addr := range map[string]string{"nothing listening": closed, "never answers": silent.Addr()} {
		t.Run(name, func(t *testing.T) {
			f, _ := visitFleet(t, addr)
			_, token := f.enroll("kallio")
			status, _, ref := f.cardLogin(token, "20000001", "1234")
			assert.Equal(t, 409, status)
			assert.Equal(t, protocol.RefusalUnavailable, ref.Refusal.Code)
		})
	}
	t.Run("not configured", func(t *testing.T) {
		f := newTestFleet(t)
		_, token := f.enroll("kallio")
		status, _, ref := f.cardLogin(token, "20000001", "1234")
		assert.Equal(t, 409, status)
		assert.Equal(t, protocol.RefusalUnavailable, ref.Refusal.Code)
	})
}

func TestWrongPINsLockTheCard(t *testing.T) {
	lib := sip2Library(t)
	f, clock := visitFleet(t, lib.Addr())
	f.applyPolicy("fleet", "session:\n  pin_attempts: 3\n  pin_lockout_minutes: 10\n")
	_, token := f.enroll("kallio")
	for i := 0; i < 2; i++ {
		_, _, ref := f.cardLogin(token, "20000001", "0000")
		require.Equal(t, protocol.RefusalWrongCardOrPIN, ref.Refusal.Code)
	}
	status, _, ref := f.cardLogin(token, "20000001", "1234")
	assert.Equal(t, 429, status, "the right PIN waits out the pause after two wrong ones")
	assert.Equal(t, protocol.RefusalLockedOut, ref.Refusal.Code)
	assert.Equal(t, 2, ref.Refusal.RetryAfterSeconds)
	clock.Add(int64(2 * time.Second))
	status, _, ref = f.cardLogin(token, "20000001", "0000")
	assert.Equal(t, 429, status)
	assert.Equal(t, protocol.RefusalLockedOut, ref.Refusal.Code)
	assert.InDelta(t, 600, ref.Refusal.RetryAfterSeconds, 2)
	_, _, ref = f.cardLogin(token, "20000001", "1234")
	assert.Equal(t, protocol.RefusalLockedOut, ref.Refusal.Code, "even the right PIN waits")
	status, _, _ = f.cardLogin(token, "20000002", "1234")
	assert.Equal(t, 200, status, "other cards are not locked")
	clock.Add(int64(11 * time.Minute))
	status, _, ref = f.cardLogin(token, "20000001", "1234")
	assert.Equal(t, 200, status, ref)
}

// sendEvent sends one event over a link and waits for its ack.
func sendEvent(t *testing.T, ws *websocket.Conn, epoch string, seq uint64, kind string, data any) {
	raw, err := json.Marshal(data)
	require.NoError(t, err)
	frame, err := protocol.Encode("e", protocol.TypeEvent, protocol.Event{Epoch: epoch, Seq: seq, Kind: kind, At: time.Now(), Data: raw})
	require.NoError(t, err)
	require.NoError(t, ws.WriteMessage(websocket.TextMessage, frame))
	readUntil(t, ws, protocol.TypeAck)
}

// readUntil reads frames until one of typ arrives and returns it.
func readUntil(t *testing.T, ws *websocket.Conn, typ string) protocol.Envelope {
	t.Helper()
	ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		_, raw, err := ws.ReadMessage()
		require.NoError(t, err, "waiting for a %s frame", typ)
		env, err := protocol.Decode(raw)
		require.NoError(t, err)
		if env.Type == typ && !helpNotice(env) {
			return env
		}
	}
}

// helpNotice reports a help notice, which these tests about reservations
// pass by: the fleet sends one on connect and on every help change.
func helpNotice(env protocol.Envelope) bool {
	var n protocol.Notice
	return env.Type == protocol.TypeNotice && protocol.DecodeBody(env, &n) == nil && n.Kind == protocol.NoticeHelp
}

func TestDailyQuotaAcrossTerminals(t *testing.T) {
	lib := sip2Library(t)
	f, _ := visitFleet(t, lib.Addr())
	_, token1 := f.enroll("kallio")
	_, token2 := f.enroll("oodi")
	status, first, _ := f.cardLogin(token1, "20000003", "1234")
	require.Equal(t, 200, status)
	assert.Equal(t, 60, first.Minutes)
	status, second, _ := f.cardLogin(token2, "20000003", "1234")
	require.Equal(t, 200, status)
	assert.Equal(t, 60, second.Minutes)
	assert.Equal(t, 0, second.DailyMinutesLeft)
	status, _, ref := f.cardLogin(token1, "20000003", "1234")
	assert.Equal(t, 409, status)
	assert.Equal(t, protocol.RefusalQuotaExhausted, ref.Refusal.Code)

	// The first session ends after 10 minutes: the rest comes back.
	ws := dialAgent(t, f, token1)
	hello(t, ws, "ep")
	end := protocol.SessionEvent{SessionID: first.SessionID, Kind: "card", Phase: "end", StartedAt: first.GrantedAt,
		EndedAt: first.GrantedAt.Add(10 * time.Minute), MinutesUsed: 10, Trigger: "visitor_end"}
	sendEvent(t, ws, "ep", 1, protocol.EventSession, end)
	sendEvent(t, ws, "ep", 1, protocol.EventSession, end) // a resend changes nothing
	status, third, _ := f.cardLogin(token1, "20000003", "1234")
	require.Equal(t, 200, status)
	assert.Equal(t, 50, third.Minutes)
}

func TestExtend(t *testing.T) {
	lib := sip2Library(t)
	f, _ := visitFleet(t, lib.Addr())
	f.applyPolicy("fleet", "session:\n  max_minutes: 30\n  daily_minutes: 60\n  extend_minutes: 20\n  max_extensions: 2\n")
	_, token := f.enroll("kallio")
	_, otherToken := f.enroll("kallio")
	status, g, _ := f.cardLogin(token, "20000001", "1234")
	require.Equal(t, 200, status)
	path := strings.Replace(protocol.PathAgentExtend, "{id}", g.SessionID, 1)
	var ext protocol.Extension
	require.Equal(t, 200, f.agentCall(path, token, "", &ext))
	assert.Equal(t, 20, ext.Minutes)
	require.Equal(t, 200, f.agentCall(path, token, "", &ext))
	assert.Equal(t, 10, ext.Minutes, "only the quota's last 10 minutes")
	var ref protocol.RefusalBody
	assert.Equal(t, 409, f.agentCall(path, token, "", &ref))
	assert.Equal(t, protocol.RefusalQuotaExhausted, ref.Refusal.Code)
	assert.Equal(t, 404, f.agentCall(path, otherToken, "", nil), "another terminal's session")
	assert.Equal(t, 404, f.agentCall(strings.Replace(protocol.PathAgentExtend, "{id}", "s-nope", 1), token, "", nil))
}

func TestGuestPasses(t *testing.T) {
	f, clock := visitFleet(t, "127.0.0.1:1")
	admin := f.login("admin")
	status, body := f.do("POST", "/api/v1/guest-passes", admin, `{"branch":"kallio","count":3,"minutes":45}`)
	require.Equal(t, 201, status, body)
	codes := body["codes"].([]any)
	require.Len(t, codes, 3)
	_, kallio := f.enroll("kallio")
	_, oodi := f.enroll("oodi")
	guest := func(token, code string) (int, protocol.SessionGrant, protocol.RefusalBody) {
		var raw json.RawMessage
		st := f.agentCall(protocol.PathAgentGuest, token, `{"code":"`+code+`"}`, &raw)
		var g protocol.SessionGrant
		var r protocol.RefusalBody
		json.Unmarshal(raw, &g)
		json.Unmarshal(raw, &r)
		return st, g, r
	}
	code := codes[0].(string)
	status, _, ref := guest(oodi, code)
	assert.Equal(t, 409, status)
	assert.Equal(t, protocol.RefusalInvalidGuest, ref.Refusal.Code, "a pass of another branch")
	status, g, _ := guest(kallio, strings.ToLower(code))
	require.Equal(t, 200, status)
	assert.Equal(t, protocol.SessionGuest, g.Kind)
	assert.Equal(t, 45, g.Minutes)
	status, _, ref = guest(kallio, code)
	assert.Equal(t, 409, status)
	assert.Equal(t, protocol.RefusalInvalidGuest, ref.Refusal.Code, "a pass works once")
	clock.Add(int64(31 * 24 * time.Hour))
	status, _, ref = guest(kallio, codes[1].(string))
	assert.Equal(t, 409, status)
	assert.Equal(t, protocol.RefusalInvalidGuest, ref.Refusal.Code, "an expired pass")
}

func TestReservationKeepsOthersOut(t *testing.T) {
	lib := sip2Library(t)
	f, clock := visitFleet(t, lib.Addr())
	id, token := f.enroll("kallio")
	ws := dialAgent(t, f, token)
	hello(t, ws, "ep")
	readUntil(t, ws, protocol.TypePolicy)
	var notice protocol.Notice
	require.NoError(t, protocol.DecodeBody(readUntil(t, ws, protocol.TypeNotice), &notice))
	assert.Equal(t, protocol.NoticeReservation, notice.Kind)
	assert.JSONEq(t, `{"reservation":null}`, string(notice.Data))

	vera := f.login("vera")
	now := f.srv.Visits.Now()
	from := now.Add(20 * time.Minute).Format(time.RFC3339)
	status, body := f.do("POST", "/api/v1/reservations", vera, `{"terminal":"`+id+`","card":"2000 0002","from":"`+from+`","minutes":30}`)
	require.Equal(t, 201, status, body)
	assert.Equal(t, "0002", body["card_hint"])
	require.NoError(t, protocol.DecodeBody(readUntil(t, ws, protocol.TypeNotice), &notice))
	var rn protocol.ReservationNotice
	require.NoError(t, json.Unmarshal(notice.Data, &rn))
	require.NotNil(t, rn.Reservation)
	assert.Equal(t, body["id"], rn.Reservation.ID)

	// Before the slot, another card gets only the time up to it.
	status, g, _ := f.cardLogin(token, "20000001", "1234")
	require.Equal(t, 200, status)
	assert.Equal(t, 20, g.Minutes)
	// In the slot, only the holder gets in.
	clock.Add(int64(21 * time.Minute))
	status, _, ref := f.cardLogin(token, "20000003", "1234")
	assert.Equal(t, 409, status)
	assert.Equal(t, protocol.RefusalReserved, ref.Refusal.Code)
	status, g, _ = f.cardLogin(token, "20000002", "1234")
	require.Equal(t, 200, status)
	assert.Equal(t, 60, g.Minutes)
	require.NoError(t, protocol.DecodeBody(readUntil(t, ws, protocol.TypeNotice), &notice))
	assert.JSONEq(t, `{"reservation":null}`, string(notice.Data), "a claimed reservation is cleared")
}

func TestClosingTimeCapsTheGrant(t *testing.T) {
	lib := sip2Library(t)
	f, clock := visitFleet(t, lib.Addr())
	f.applyPolicy("branch:kallio", `hours:
  timezone: Europe/Helsinki
  weekly: {mon: "09:00-20:00", tue: "09:00-20:00", wed: "09:00-20:00", thu: "09:00-20:00", fri: "09:00-20:00", sat: "09:00-20:00", sun: "09:00-20:00"}
`)
	_, token := f.enroll("kallio")
	loc, _ := time.LoadLocation("Europe/Helsinki")
	clock.Store(time.Date(2026, 11, 25, 19, 30, 0, 0, loc).UnixNano())
	status, g, ref := f.cardLogin(token, "20000001", "1234")
	require.Equal(t, 200, status, ref)
	assert.Equal(t, 25, g.Minutes, "closing 20:00 minus end_before_closing_minutes 5")
	assert.True(t, g.EndsAtClosing)
	clock.Store(time.Date(2026, 11, 25, 21, 0, 0, 0, loc).UnixNano())
	status, _, ref = f.cardLogin(token, "20000002", "1234")
	assert.Equal(t, 409, status)
	assert.Equal(t, protocol.RefusalClosed, ref.Refusal.Code)
}

func TestPolicyPushedOnConnectAndOnChange(t *testing.T) {
	f := newTestFleet(t)
	_, token := f.enroll("kallio")
	ws := dialAgent(t, f, token)
	hello(t, ws, "ep")
	var p struct {
		Session struct {
			MaxMinutes int `json:"max_minutes"`
		} `json:"session"`
	}
	require.NoError(t, protocol.DecodeBody(readUntil(t, ws, protocol.TypePolicy), &p))
	assert.Equal(t, 60, p.Session.MaxMinutes)
	f.applyPolicy("branch:kallio", "session:\n  max_minutes: 45\n")
	require.NoError(t, protocol.DecodeBody(readUntil(t, ws, protocol.TypePolicy), &p))
	assert.Equal(t, 45, p.Session.MaxMinutes)
}

func TestPolicyApplyNamesTheKey(t *testing.T) {
	f := newTestFleet(t)
	admin := f.login("admin")
	tests := []struct{ name, scope, body, field, contains string }{
		{"unknown key", "fleet", "session:\n  max_minuts: 5\n", "session.max_minuts", "max_minuts"},
		{"out of range", "fleet", "session:\n  max_minutes: 0\n", "session.max_minutes", "session.max_minutes"},
		{"bad scope", "galaxy", "", "scope", "unknown scope"},
		{"unknown branch", "branch:atlantis", "", "scope", "no branch"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest("PUT", f.srv.URL+"/api/v1/policies/"+tc.scope, strings.NewReader(tc.body))
			req.Header.Set("Authorization", "Bearer "+admin)
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			var body map[string]string
			json.NewDecoder(resp.Body).Decode(&body)
			resp.Body.Close()
			assert.Equal(t, 400, resp.StatusCode)
			assert.Equal(t, tc.field, body["field"])
			assert.Contains(t, body["error"], tc.contains)
		})
	}
	status, _ := f.do("GET", "/api/v1/policies/fleet", admin, "")
	assert.Equal(t, 404, status, "nothing was stored")
}

func TestVisitorEndpointsRefuseBadInput(t *testing.T) {
	f, _ := visitFleet(t, "127.0.0.1:1")
	admin, vera, edith := f.login("admin"), f.login("vera"), f.login("edith")
	id, token := f.enroll("kallio")
	oodiTerm, _ := f.enroll("oodi")
	tests := []struct {
		name, method, path, token, body string
		status                          int
		errContains                     string
	}{
		{"login no token", "POST", protocol.PathAgentLogin, "", `{"card":"1","pin":"1"}`, 401, "missing terminal token"},
		{"login staff token", "POST", protocol.PathAgentLogin, admin, `{"card":"1","pin":"1"}`, 401, "unknown or revoked"},
		{"login bad json", "POST", protocol.PathAgentLogin, token, `{"card":`, 400, "not valid JSON"},
		{"login no card", "POST", protocol.PathAgentLogin, token, `{"pin":"1234"}`, 400, "card is required"},
		{"login no pin", "POST", protocol.PathAgentLogin, token, `{"card":"1234"}`, 400, "pin is required"},
		// A newer agent's extra field is ignored: the error is about the card.
		{"login field of a newer agent", "POST", protocol.PathAgentLogin, token, `{"pin":"1","name":"x"}`, 400, "card is required"},
		{"guest no code", "POST", protocol.PathAgentGuest, token, `{}`, 400, "code is required"},
		{"guest bad json", "POST", protocol.PathAgentGuest, token, `[`, 400, "not valid JSON"},
		{"extend no token", "POST", "/api/v1/agent/sessions/s-1/extend", "", "", 401, "missing terminal token"},
		{"policy as volunteer", "PUT", "/api/v1/policies/fleet", vera, "", 403, "needs the admin role"},
		{"policy get unknown scope", "GET", "/api/v1/policies/branch:", admin, "", 400, "needs an id"},
		{"guest passes as volunteer", "POST", "/api/v1/guest-passes", vera, `{"branch":"kallio","count":1,"minutes":5}`, 403, "needs the admin role"},
		{"guest passes bad json", "POST", "/api/v1/guest-passes", admin, `{`, 400, "not valid JSON"},
		{"guest passes zero count", "POST", "/api/v1/guest-passes", admin, `{"branch":"kallio","minutes":5}`, 400, "count must be between"},
		{"guest passes no minutes", "POST", "/api/v1/guest-passes", admin, `{"branch":"kallio","count":1}`, 400, "minutes must be between"},
		{"guest passes unknown branch", "POST", "/api/v1/guest-passes", admin, `{"branch":"atlantis","count":1,"minutes":5}`, 400, "does not exist"},
		{"guest passes bad until", "POST", "/api/v1/guest-passes", admin, `{"branch":"kallio","count":1,"minutes":5,"valid_until":"soon"}`, 400, "valid_until must be"},
		{"reserve as editor", "POST", "/api/v1/reservations", edith, `{}`, 403, "admin or volunteer"},
		{"reserve bad json", "POST", "/api/v1/reservations", vera, `{`, 400, "not valid JSON"},
		{"reserve no terminal", "POST", "/api/v1/reservations", vera, `{"card":"1","minutes":5}`, 400, "terminal is required"},
		{"reserve no card", "POST", "/api/v1/reservations", vera, `{"terminal":"` + id + `","minutes":5}`, 400, "card is required"},
		{"reserve no minutes", "POST", "/api/v1/reservations", vera, `{"terminal":"` + id + `","card":"1"}`, 400, "minutes is required"},
		{"reserve bad from", "POST", "/api/v1/reservations", vera, `{"terminal":"` + id + `","card":"1","minutes":5,"from":"noon"}`, 400, "from must be an RFC 3339"},
		{"reserve past", "POST", "/api/v1/reservations", vera, `{"terminal":"` + id + `","card":"1","minutes":5,"from":"2001-01-01T00:00:00Z"}`, 400, "must not be in the past"},
		{"reserve other branch", "POST", "/api/v1/reservations", vera, `{"terminal":"` + oodiTerm + `","card":"1","minutes":5}`, 400, "that you may reserve"},
		{"reservations as editor", "GET", "/api/v1/reservations?branch=kallio", edith, "", 403, "admin or volunteer"},
		{"cancel unknown", "DELETE", "/api/v1/reservations/r-nope", admin, "", 404, "no reservation"},
		{"queue other branch", "POST", "/api/v1/branches/oodi/queue", vera, `{"card":"1"}`, 404, "no branch"},
		{"queue no card", "POST", "/api/v1/branches/kallio/queue", vera, `{}`, 400, "card is required"},
		{"sessions without active", "GET", "/api/v1/sessions", admin, "", 400, "active=true"},
		{"sessions as volunteer", "GET", "/api/v1/sessions?active=true", vera, "", 403, "needs the admin role"},
		{"wipes unknown terminal", "GET", "/api/v1/terminals/t-nope/wipes", admin, "", 404, "no terminal"},
		{"wipes bad limit", "GET", "/api/v1/terminals/" + id + "/wipes?limit=lots", admin, "", 400, "limit must be"},
		{"alerts as volunteer", "GET", "/api/v1/alerts", vera, "", 403, "needs the admin role"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body := f.do(tc.method, tc.path, tc.token, tc.body)
			assert.Equal(t, tc.status, status, body)
			assert.Contains(t, body["error"], tc.errContains)
		})
	}
}

func TestWalkUpQueueGetsTheIdleTerminal(t *testing.T) {
	lib := sip2Library(t)
	f, _ := visitFleet(t, lib.Addr())
	id, token := f.enroll("kallio")
	vera := f.login("vera")
	status, body := f.do("POST", "/api/v1/branches/kallio/queue", vera, `{"card":"20000002"}`)
	require.Equal(t, 200, status, body)
	assert.EqualValues(t, 1, body["position"])
	status, body = f.do("POST", "/api/v1/branches/kallio/queue", vera, `{"card":"20000003"}`)
	require.Equal(t, 200, status, body)
	assert.EqualValues(t, 2, body["position"])

	ws := dialAgent(t, f, token)
	hello(t, ws, "ep")
	sendEvent(t, ws, "ep", 1, protocol.EventState, protocol.StateChange{State: "idle"})
	var notice protocol.Notice
	require.Eventually(t, func() bool {
		require.NoError(t, protocol.DecodeBody(readUntil(t, ws, protocol.TypeNotice), &notice))
		return strings.Contains(string(notice.Data), `"card_hint":"0002"`)
	}, 10*time.Second, 10*time.Millisecond)
	status, _, ref := f.cardLogin(token, "20000003", "1234")
	assert.Equal(t, 409, status)
	assert.Equal(t, protocol.RefusalReserved, ref.Refusal.Code)
	status, _, _ = f.cardLogin(token, "20000002", "1234")
	assert.Equal(t, 200, status)
	admin := f.login("admin")
	resp, err := http.NewRequest("GET", f.srv.URL+"/api/v1/sessions?active=true", nil)
	require.NoError(t, err)
	resp.Header.Set("Authorization", "Bearer "+admin)
	r, err := http.DefaultClient.Do(resp)
	require.NoError(t, err)
	raw, _ := io.ReadAll(r.Body)
	r.Body.Close()
	assert.Contains(t, string(raw), id)
	assert.NotContains(t, string(raw), "20000002", "no card numbers")
}

func TestWipeReceiptsAndAlerts(t *testing.T) {
	f := newTestFleet(t)
	admin := f.login("admin")
	id, token := f.enroll("kallio")
	ws := dialAgent(t, f, token)
	hello(t, ws, "ep")
	start := time.Now().Add(-2 * time.Second).UTC().Truncate(time.Millisecond)
	good := protocol.WipeReceipt{SessionID: "s-1", Trigger: "visitor_end", Strategy: "tmpfs", StartedAt: start,
		EndedAt: start.Add(time.Second), Duration: time.Second, FilesRemoved: 12, Verified: true, StepsRun: []string{"processes", "home"}}
	sendEvent(t, ws, "ep", 1, protocol.EventWipe, good)
	bad := good
	bad.SessionID, bad.Verified, bad.StartedAt, bad.EndedAt = "s-2", false, start.Add(time.Second), start.Add(2*time.Second)
	bad.Failures = []protocol.WipeFailure{{Step: "home", Path: "/home/v/x", Error: "operation not permitted"}}
	sendEvent(t, ws, "ep", 2, protocol.EventWipe, bad)

	var list []map[string]any
	req, _ := http.NewRequest("GET", f.srv.URL+"/api/v1/terminals/"+id+"/wipes", nil)
	req.Header.Set("Authorization", "Bearer "+admin)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&list))
	resp.Body.Close()
	require.Len(t, list, 2)
	assert.Equal(t, "s-2", list[0]["session_id"], "newest first")
	assert.Equal(t, false, list[0]["verified"])

	_, term := f.do("GET", "/api/v1/terminals/"+id, admin, "")
	lastWipe := term["last_wipe"].(map[string]any)
	assert.Equal(t, false, lastWipe["verified"])
	assert.Equal(t, "tmpfs", lastWipe["strategy"])

	alerts := func() []map[string]any {
		req, _ := http.NewRequest("GET", f.srv.URL+"/api/v1/alerts", nil)
		req.Header.Set("Authorization", "Bearer "+admin)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		var out []map[string]any
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
		return out
	}
	open := alerts()
	require.Len(t, open, 1)
	assert.Equal(t, "wipe_failed", open[0]["kind"])
	assert.Equal(t, id, open[0]["terminal"])
	assert.Contains(t, open[0]["detail"], "operation not permitted")
	assert.Contains(t, metricsText(t, f), "piste_alerts_open 1")

	// Leaving out_of_service (after an admin's unlock) settles it.
	sendEvent(t, ws, "ep", 3, protocol.EventState, protocol.StateChange{State: "out_of_service", Reason: "wipe"})
	assert.Len(t, alerts(), 1)
	sendEvent(t, ws, "ep", 4, protocol.EventState, protocol.StateChange{State: "idle"})
	assert.Empty(t, alerts())
	// A later failure opens a new one; a verified receipt closes it.
	bad.SessionID = "s-3"
	sendEvent(t, ws, "ep", 5, protocol.EventWipe, bad)
	assert.Len(t, alerts(), 1)
	sendEvent(t, ws, "ep", 6, protocol.EventWipe, good)
	assert.Empty(t, alerts())
	assert.Contains(t, metricsText(t, f), "piste_alerts_open 0")
}

func metricsText(t *testing.T, f *testFleet) string {
	resp, err := http.Get(f.srv.MetricsURL)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return string(raw)
}
