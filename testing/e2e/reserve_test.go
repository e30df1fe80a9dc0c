package e2e

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// reservationOf returns the reservation the agent shows, or nil.
func reservationOf(st map[string]any) map[string]any {
	r, _ := st["reservation"].(map[string]any)
	return r
}

// A visitor at the welcome screen reserves the PC (here through
// `piste-agent ctl reserve`, the call the kiosk makes): the card is checked
// over SIP2 by the fleet, the slot keeps other cards out, and the holder's
// card gets in.
func TestVisitorReservesFromTheWelcomeScreen(t *testing.T) {
	s := newVisitorSetup(t, "max_minutes: 30\nreservation_hold_minutes: 10")

	_, stderr := s.ctl(t, "9999\n", 1, "reserve", "--card", "20000002", "--pin-stdin", "--minutes", "15")
	assert.Contains(t, stderr, "refused: wrong_card_or_pin", "the card is checked like a login")
	assert.Nil(t, reservationOf(s.a.ctlStatus()))

	stdout, _ := s.ctl(t, "1234\n", 0, "reserve", "--card", "20000002", "--pin-stdin", "--minutes", "15")
	assert.Contains(t, stdout, "…0002")
	res := reservationOf(s.a.ctlStatus())
	require.NotNil(t, res, "ctl status shows the reservation")
	assert.Equal(t, "0002", res["card_hint"])
	from, err := time.Parse(time.RFC3339Nano, res["from"].(string))
	require.NoError(t, err)
	until, err := time.Parse(time.RFC3339Nano, res["until"].(string))
	require.NoError(t, err)
	assert.Equal(t, 15*time.Minute, until.Sub(from))
	assert.WithinDuration(t, time.Now(), from, time.Minute, "an idle PC is held from now")

	var live []map[string]any
	require.Equal(t, 200, s.f.call("GET", "/api/v1/reservations", s.f.token, nil, &live))
	require.Len(t, live, 1, "the fleet holds the slot")
	assert.Equal(t, "visitor at "+s.a.id, live[0]["created_by"])

	stderr = s.login(t, "20000001", "1234", 1)
	assert.Contains(t, stderr, "refused: reserved", "another card is kept out of the slot")
	assert.Equal(t, "idle", s.a.ctlStatus()["state"])

	s.login(t, "20000002", "1234", 0)
	require.Equal(t, "active", s.a.ctlStatus()["state"])
	assert.InDelta(t, 30, s.session(t)["minutes_left"], 1, "the holder gets a whole session")
	eventually(t, 20*time.Second, func() bool { return reservationOf(s.a.tryStatus()) == nil },
		"the claimed reservation is still shown", s.a.proc.output)

	s.ctl(t, "", 0, "end")
	s.waitState(t, 30*time.Second, "idle")
}
