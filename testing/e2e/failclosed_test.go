package e2e

import (
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Visitor sessions never fail open, through the real binaries: a library
// system that hangs, or a fleet made slow, must not turn a login into a
// walk-up session for any card and PIN; walk-up stays for a fleet that was
// down before the visitor asked; card checks are limited; and an unknown
// card reads like a wrong PIN.

// newFailClosedSetup is newVisitorSetup with extra flags for the SIP2 test
// server and for the fleet.
func newFailClosedSetup(t *testing.T, policyYAML string, sip2Args, fleetArgs []string) *visitorSetup {
	requireRootE2E(t)
	require.NoError(t, buildSIP2())
	s := &visitorSetup{k: newKiosk(t)}
	addr := freeAddr(t)
	lib := start(t, "piste-sip2-server", append([]string{"--addr", addr}, sip2Args...)...)
	eventually(t, 10*time.Second, func() bool { return strings.Contains(lib.output(), "listening") }, "SIP2 test server did not start", lib.output)
	s.sip2 = append([]string{"--heartbeat", "1s", "--sip2", addr, "--sip2-login-file", sip2LoginFile(t), "--sip2-institution", "UWOLS"}, fleetArgs...)
	s.f = newFleet(t, s.sip2...)
	s.applyPolicy(t, policyYAML)
	s.a = enrollAgent(t, s.f, "kallio", "pc-1")
	s.a.config = s.k.agentConfig(t)
	s.a.start()
	s.waitPolicy(t, s.k.name)
	eventually(t, 10*time.Second, func() bool { return s.a.tryStatus()["state"] == "idle" }, "agent not idle", s.a.proc.output)
	eventually(t, 10*time.Second, func() bool { return s.a.linkField("connected") == true }, "link not up", s.a.proc.output)
	return s
}

// The attack: the library system hangs (or a visitor has made the fleet's
// SIP2 queue long), and the fleet's SIP2 timeout is longer than the
// agent waits. Before, the agent read the silence as "fleet unreachable"
// and, under the default offline: allow_walkup, gave a 30-minute session
// to any card and PIN. Now the fleet answers service_unavailable at its
// own deadline and the agent, whose link was up, refuses. Once the fleet
// is really down (the link says so before the visitor asks), walk-up
// works as before.
func TestHungLibraryNeverOpensTheTerminal(t *testing.T) {
	s := newFailClosedSetup(t, "offline: allow_walkup\nwalkup_minutes: 30",
		[]string{"--silent"}, []string{"--sip2-timeout", "1m"})

	stderr := s.login(t, "20000001", "1234", 1)
	assert.Contains(t, stderr, "refused: service_unavailable")
	st := s.a.ctlStatus()
	assert.Equal(t, "idle", st["state"], "no session for a card nobody checked")
	assert.Nil(t, st["session"])
	ref, _ := st["refusal"].(map[string]any)
	assert.Equal(t, "service_unavailable", ref["code"], "the kiosk says the library system is not answering")

	_, stderr = s.ctl(t, "1234\n", 1, "reserve", "--card", "20000001", "--pin-stdin")
	assert.Contains(t, stderr, "refused: service_unavailable", "a reservation is refused alike")
	assert.Equal(t, 0, countEvents(t, s.f, "session"), "no session started anywhere")

	s.f.proc.stop(syscall.SIGKILL)
	eventually(t, 20*time.Second, func() bool { return s.a.linkField("connected") == false }, "link still up")
	s.login(t, "20000001", "1234", 0)
	sess := s.session(t)
	require.NotNil(t, sess)
	assert.Equal(t, "walkup", sess["kind"], "the fleet was down before the visitor asked")
	s.ctl(t, "", 0, "end")
	s.waitState(t, 30*time.Second, "idle")
}

// Card checks are limited per terminal by the fleet (here 3 a minute) and
// by the agent itself; an unknown card and a wrong PIN get one answer.
func TestCardChecksLimitedAndUnknownCardsNotTold(t *testing.T) {
	s := newFailClosedSetup(t, "pin_attempts: 10", nil, []string{"--card-checks-per-terminal", "3"})

	var refusals []any
	for _, c := range []struct{ card, pin string }{{"20000001", "9999"}, {"29999999", "1234"}} {
		stderr := s.login(t, c.card, c.pin, 1)
		assert.Contains(t, stderr, "refused: wrong_card_or_pin", c.card)
		refusals = append(refusals, s.a.ctlStatus()["refusal"])
	}
	assert.Equal(t, refusals[0], refusals[1], "an unknown card reads exactly like a wrong PIN")

	_, stderr := s.ctl(t, "9999\n", 1, "reserve", "--card", "20000002", "--pin-stdin")
	assert.Contains(t, stderr, "refused: wrong_card_or_pin", "reservations are card checks too")
	stderr = s.login(t, "20000003", "1234", 1)
	assert.Contains(t, stderr, "refused: rate_limited", "the fleet's fourth check in the minute")
	assert.Contains(t, stderr, "this computer")
	ref, _ := s.a.ctlStatus()["refusal"].(map[string]any)
	assert.Equal(t, "rate_limited", ref["code"])
	assert.Greater(t, ref["retry_after_seconds"], float64(0), "the kiosk can say how long to wait")

	// The agent's own limit: its burst is spent by the checks above and
	// these, and the fleet is not asked any more.
	agentRefused := false
	for range 10 {
		stderr = s.login(t, "20000003", "1234", 1)
		require.Contains(t, stderr, "refused: rate_limited")
		if agentRefused = strings.Contains(stderr, "on this terminal"); agentRefused {
			break
		}
	}
	assert.True(t, agentRefused, "the agent limits card checks itself: %s", stderr)
}
