package server

import (
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"piste/fleet/protocol"
)

// visitorReserve reserves the terminal of token for a visitor's card.
func (f *testFleet) visitorReserve(token, card, pin string, minutes int) (int, protocol.Reservation, protocol.RefusalBody) {
	f.t.Helper()
	var raw json.RawMessage
	body := `{"card":"` + card + `","pin":"` + pin + `","minutes":` + strconv.Itoa(minutes) + `}`
	status := f.agentCall(protocol.PathAgentReserve, token, body, &raw)
	var ans protocol.ReserveAnswer
	var ref protocol.RefusalBody
	if status == 200 {
		require.NoError(f.t, json.Unmarshal(raw, &ans))
	} else {
		require.NoError(f.t, json.Unmarshal(raw, &ref))
	}
	return status, ans.Reservation, ref
}

func TestVisitorReservesAnIdleTerminal(t *testing.T) {
	lib := sip2Library(t)
	f, clock := visitFleet(t, lib.Addr())
	_, token := f.enroll("kallio")
	ws := dialAgent(t, f, token)
	hello(t, ws, "ep")
	readUntil(t, ws, protocol.TypePolicy)
	readUntil(t, ws, protocol.TypeNotice) // no reservation yet

	now := f.srv.Visits.Now()
	status, res, ref := f.visitorReserve(token, "20000002", "1234", 30)
	require.Equal(t, 200, status, ref)
	assert.NotEmpty(t, res.ID)
	assert.Equal(t, "0002", res.CardHint)
	assert.True(t, res.From.Equal(now), "an idle terminal is held from now, got %s", res.From)
	assert.Equal(t, 30*time.Minute, res.Until.Sub(res.From))

	var notice protocol.Notice
	require.NoError(t, protocol.DecodeBody(readUntil(t, ws, protocol.TypeNotice), &notice))
	var rn protocol.ReservationNotice
	require.NoError(t, json.Unmarshal(notice.Data, &rn))
	require.NotNil(t, rn.Reservation, "the terminal is told of the reservation")
	assert.Equal(t, res.ID, rn.Reservation.ID)

	clock.Add(int64(time.Minute))
	status, _, ref = f.cardLogin(token, "20000003", "1234")
	assert.Equal(t, 409, status)
	assert.Equal(t, protocol.RefusalReserved, ref.Refusal.Code, "another card is kept out of the slot")
	status, g, ref := f.cardLogin(token, "20000002", "1234")
	require.Equal(t, 200, status, ref)
	assert.Equal(t, 60, g.Minutes, "the holder gets a whole session")
}

func TestVisitorReservationFollowsWhatIsAhead(t *testing.T) {
	lib := sip2Library(t)
	f, _ := visitFleet(t, lib.Addr())
	id, token := f.enroll("kallio")
	now := f.srv.Visits.Now()

	status, g, ref := f.cardLogin(token, "20000001", "1234")
	require.Equal(t, 200, status, ref)
	sessionEnd := now.Add(time.Duration(g.Minutes) * time.Minute)
	status, first, ref := f.visitorReserve(token, "20000002", "1234", 15)
	require.Equal(t, 200, status, ref)
	assert.True(t, first.From.Equal(sessionEnd), "starts when the running session ends: %s, want %s", first.From, sessionEnd)
	assert.Equal(t, 15*time.Minute, first.Until.Sub(first.From))

	// A staff reservation leaving too short a gap after the first pushes
	// the next visitor past it.
	from := first.Until.Add(10 * time.Minute).Format(time.RFC3339)
	status, body := f.do("POST", "/api/v1/reservations", f.login("vera"), `{"terminal":"`+id+`","card":"20000004","from":"`+from+`","minutes":20}`)
	require.Equal(t, 201, status, body)
	status, second, ref := f.visitorReserve(token, "20000003", "1234", 30)
	require.Equal(t, 200, status, ref)
	assert.True(t, second.From.Equal(first.Until.Add(30*time.Minute)), "after the staff slot: %s", second.From)
	assert.Equal(t, 30*time.Minute, second.Until.Sub(second.From))
}

func TestVisitorReservationIsCapped(t *testing.T) {
	lib := sip2Library(t)
	tests := []struct {
		name    string
		policy  string
		minutes int
		want    int
	}{
		{"zero asks for max_minutes", "session:\n  max_minutes: 45\n", 0, 45},
		{"over max_minutes", "session:\n  max_minutes: 45\n", 120, 45},
		{"under max_minutes", "session:\n  max_minutes: 45\n", 15, 15},
		{"quota left", "session:\n  daily_minutes: 80\n", 60, 20},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, _ := visitFleet(t, lib.Addr())
			f.applyPolicy("fleet", tc.policy)
			_, token := f.enroll("kallio")
			_, elsewhere := f.enroll("oodi")
			// 60 minutes of the card's day go to a session on another PC.
			status, _, ref := f.cardLogin(elsewhere, "20000001", "1234")
			require.Equal(t, 200, status, ref)
			status, res, ref := f.visitorReserve(token, "20000001", "1234", tc.minutes)
			require.Equal(t, 200, status, ref)
			assert.Equal(t, time.Duration(tc.want)*time.Minute, res.Until.Sub(res.From))
		})
	}
}

func TestVisitorReservationRefusals(t *testing.T) {
	lib := sip2Library(t)
	f, clock := visitFleet(t, lib.Addr())
	f.applyPolicy("branch:kallio", `hours:
  timezone: Europe/Helsinki
  weekly: {mon: "09:00-20:00", tue: "09:00-20:00", wed: "09:00-20:00", thu: "09:00-20:00", fri: "09:00-20:00", sat: "09:00-20:00", sun: "09:00-20:00"}
`)
	f.applyPolicy("fleet", "session:\n  daily_minutes: 60\n  pin_attempts: 2\n  pin_lockout_minutes: 10\n")
	_, token := f.enroll("kallio")
	_, busy := f.enroll("kallio")
	loc, _ := time.LoadLocation("Europe/Helsinki")
	clock.Store(time.Date(2026, 11, 25, 12, 0, 0, 0, loc).UnixNano())
	status, _, ref := f.cardLogin(busy, "20000003", "1234")
	require.Equal(t, 200, status, ref)

	tests := []struct {
		name, card, pin string
		status          int
		code            protocol.RefusalCode
	}{
		{"wrong PIN", "20000002", "9999", 409, protocol.RefusalWrongCardOrPIN},
		{"locked after wrong PINs", "20000002", "9999", 429, protocol.RefusalLockedOut},
		{"locked even with the right PIN", "20000002", "1234", 429, protocol.RefusalLockedOut},
		{"unknown card", "99999999", "1234", 409, protocol.RefusalWrongCardOrPIN},
		{"blocked card", "20000004", "1234", 409, protocol.RefusalBlocked},
		{"fees over the limit", "20000005", "1234", 409, protocol.RefusalFees},
		{"quota used up", "20000003", "1234", 409, protocol.RefusalQuotaExhausted},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, _, ref := f.visitorReserve(token, tc.card, tc.pin, 30)
			assert.Equal(t, tc.status, status, ref)
			assert.Equal(t, tc.code, ref.Refusal.Code)
		})
	}

	t.Run("nothing fits before closing", func(t *testing.T) {
		clock.Store(time.Date(2026, 11, 25, 19, 0, 0, 0, loc).UnixNano())
		status, g, ref := f.cardLogin(token, "20000001", "1234")
		require.Equal(t, 200, status, ref)
		require.True(t, g.EndsAtClosing)
		status, _, ref = f.visitorReserve(token, "20000002", "1234", 30)
		assert.Equal(t, 409, status)
		assert.Equal(t, protocol.RefusalClosed, ref.Refusal.Code)
	})
	t.Run("closed", func(t *testing.T) {
		clock.Store(time.Date(2026, 11, 25, 21, 0, 0, 0, loc).UnixNano())
		status, _, ref := f.visitorReserve(token, "20000002", "1234", 30)
		assert.Equal(t, 409, status)
		assert.Equal(t, protocol.RefusalClosed, ref.Refusal.Code)
	})
}

func TestVisitorReserveRefusesBadInput(t *testing.T) {
	f, _ := visitFleet(t, "127.0.0.1:1")
	admin := f.login("admin")
	_, token := f.enroll("kallio")
	tests := []struct {
		name, token, body string
		status            int
		errContains       string
	}{
		{"no token", "", `{"card":"1","pin":"1"}`, 401, "missing terminal token"},
		{"staff token", admin, `{"card":"1","pin":"1"}`, 401, "unknown or revoked"},
		{"bad json", token, `{"card":`, 400, "not valid JSON"},
		{"no card", token, `{"pin":"1234"}`, 400, "card is required"},
		{"no pin", token, `{"card":"1234"}`, 400, "pin is required"},
		{"negative minutes", token, `{"card":"1","pin":"1","minutes":-5}`, 400, "minutes must be between"},
		{"too many minutes", token, `{"card":"1","pin":"1","minutes":5000}`, 400, "minutes must be between"},
		{"card with a bar", token, `{"card":"12|34","pin":"1"}`, 400, "card must be"},
		// A newer agent's extra field is ignored: the error is about the card.
		{"field of a newer agent", token, `{"pin":"1","name":"x"}`, 400, "card is required"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body := f.do("POST", protocol.PathAgentReserve, tc.token, tc.body)
			assert.Equal(t, tc.status, status, body)
			assert.Contains(t, body["error"], tc.errContains)
		})
	}
}
