package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The daily quota is kept by the fleet across all terminals of the
// network, and a guest pass is good for one session: both through the
// real binaries with two agents in one branch.

// ctlOn runs piste-agent ctl against agent a and returns stdout and stderr.
func ctlOn(t *testing.T, a *agent, stdin string, wantCode int, args ...string) (string, string) {
	t.Helper()
	return run(t, stdin, wantCode, "piste-agent", append([]string{"ctl", "--state", a.state}, args...)...)
}

// secondAgent enrolls and starts another terminal in the setup's branch.
func (s *visitorSetup) secondAgent(t *testing.T, name string) *agent {
	t.Helper()
	b := enrollAgent(t, s.f, "kallio", name)
	b.config = s.a.config
	b.start()
	eventually(t, 30*time.Second, func() bool {
		return b.tryStatus()["state"] == "idle" && b.linkField("connected") == true
	}, "second agent not idle and connected", b.proc.output)
	return b
}

// sessionOn is the running session in a's status.
func sessionOn(a *agent) map[string]any {
	sess, _ := a.ctlStatus()["session"].(map[string]any)
	return sess
}

// endOn ends a's session and waits until the terminal is free again and
// the fleet holds ended sessions in all.
func (s *visitorSetup) endOn(t *testing.T, a *agent, ended int) {
	t.Helper()
	ctlOn(t, a, "", 0, "end")
	eventually(t, 30*time.Second, func() bool { return a.tryStatus()["state"] == "idle" }, "terminal not idle after the end",
		func() string { return fmt.Sprint(a.tryStatus()) }, a.proc.output)
	// Each session sends a start and an end event; the end carries the
	// minutes used, which is what the fleet then counts against the quota.
	eventually(t, 30*time.Second, func() bool { return countEvents(t, s.f, "session") >= 2*ended },
		"session end not at the fleet")
}

func TestDailyQuotaAcrossTwoTerminals(t *testing.T) {
	// A session ended at once counts as one minute used: three sessions
	// of a 3-minute day use it up without waiting for any clock.
	clearOfMidnight(t, 5*time.Minute)
	s := newVisitorSetup(t, "max_minutes: 2\ndaily_minutes: 3\nwalkup_minutes: 1\nwarn_minutes: []")
	a := s.a
	b := s.secondAgent(t, "pc-2")
	const card, pin = "20000003", "1234"

	steps := []struct {
		on      *agent
		name    string
		minutes float64 // the grant: max_minutes or the quota left, whichever is less
	}{
		{a, "first on A gets max_minutes", 2},
		{b, "then on B: 2 of 3 left", 2},
		{a, "back on A: only 1 left, below max_minutes", 1},
	}
	for i, st := range steps {
		_, stderr := ctlOn(t, st.on, pin+"\n", 0, "login", "--card", card, "--pin-stdin")
		sess := sessionOn(st.on)
		require.NotNil(t, sess, "%s: no session after login; %s", st.name, stderr)
		assert.Equal(t, "card", sess["kind"], st.name)
		assert.InDelta(t, st.minutes, sess["minutes_left"], 0.5, st.name)
		s.endOn(t, st.on, i+1)
	}

	for name, on := range map[string]*agent{"A": a, "B": b} {
		_, stderr := ctlOn(t, on, pin+"\n", 1, "login", "--card", card, "--pin-stdin")
		assert.Contains(t, stderr, "refused: quota_exhausted", "terminal %s", name)
		ref, _ := on.ctlStatus()["refusal"].(map[string]any)
		assert.Equal(t, "quota_exhausted", ref["code"], "terminal %s shows why", name)
	}

	_, stderr := ctlOn(t, b, "1234\n", 0, "login", "--card", "20000001", "--pin-stdin")
	assert.Equal(t, "active", b.ctlStatus()["state"], "another card has its own quota; %s", stderr)
}

func TestGuestPassWorksOnce(t *testing.T) {
	s := newVisitorSetup(t, "max_minutes: 30\nwarn_minutes: []")
	a := s.a
	b := s.secondAgent(t, "pc-2")
	out, _ := run(t, "", 0, "piste-fleet", "guest-passes", "--data", s.f.data, "--branch", "kallio", "--count", "1", "--minutes", "20")
	codes := lines(out)
	require.Len(t, codes, 1, out)
	code := strings.TrimSpace(codes[0])

	ctlOn(t, a, "", 0, "guest", "--code", code)
	sess := sessionOn(a)
	require.NotNil(t, sess)
	assert.Equal(t, "guest", sess["kind"])
	assert.InDelta(t, 20, sess["minutes_left"], 1, "the pass's minutes")
	s.endOn(t, a, 1)

	for name, on := range map[string]*agent{"A": a, "B": b} {
		_, stderr := ctlOn(t, on, "", 1, "guest", "--code", code)
		assert.Contains(t, stderr, "refused: invalid_guest_code", "terminal %s", name)
		assert.Equal(t, "idle", on.ctlStatus()["state"], "terminal %s", name)
	}
}
