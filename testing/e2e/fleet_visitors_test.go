package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// startLibrary runs the SIP2 test server binary and returns its address.
func startLibrary(t *testing.T) string {
	addr := freeAddr(t)
	p := start(t, "piste-sip2-server", "--addr", addr)
	eventually(t, 10*time.Second, func() bool { return strings.Contains(p.output(), "listening on") },
		"sip2 test server did not start", p.output)
	return addr
}

// enrollRaw joins a terminal with raw HTTP and returns its id and token.
func enrollRaw(t *testing.T, f *fleet, branch string) (string, string) {
	var reply struct {
		TerminalID string `json:"terminal_id"`
		Token      string `json:"token"`
	}
	code := f.enrollCode(branch, 1, "1h")
	require.Equal(t, 201, f.call("POST", "/api/v1/enroll", "", map[string]string{"code": code, "name": "pc"}, &reply))
	return reply.TerminalID, reply.Token
}

type grantOrRefusal struct {
	SessionID string `json:"session_id"`
	Kind      string `json:"kind"`
	Minutes   int    `json:"minutes"`
	Refusal   struct {
		Code string `json:"code"`
	} `json:"refusal"`
}

func TestFleetVisitorSessionsThroughTheBinaries(t *testing.T) {
	library := startLibrary(t)
	dir := t.TempDir()
	loginFile := filepath.Join(dir, "sip2-login")
	require.NoError(t, os.WriteFile(loginFile, []byte("scclient:clientpwd\n"), 0o600))
	// The test polls card logins until the applied policy shows; the
	// card-check limit (tested in failclosed_test.go) would refuse that.
	f := newFleet(t, "--sip2", library, "--sip2-login-file", loginFile, "--sip2-institution", "UWOLS",
		"--card-checks-per-terminal", "0")

	// Policy: refused with the key named, then applied while serve runs.
	bad := filepath.Join(dir, "bad.yaml")
	require.NoError(t, os.WriteFile(bad, []byte("session:\n  max_minuts: 40\n"), 0o600))
	_, errOut := run(t, "", 1, "piste-fleet", "policy", "apply", "--data", f.data, "--scope", "fleet", bad)
	assert.Contains(t, errOut, "max_minuts")
	good := filepath.Join(dir, "good.yaml")
	// A whole day's quota: the logins granted while the change travels to
	// the running server must not use up the card's time.
	require.NoError(t, os.WriteFile(good, []byte("session:\n  max_minutes: 40\n  daily_minutes: 1440\n"), 0o600))
	run(t, "", 0, "piste-fleet", "policy", "apply", "--data", f.data, "--scope", "fleet", good)

	id, token := enrollRaw(t, f, "kallio")
	out, _ := run(t, "", 0, "piste-fleet", "policy", "show", "--data", f.data, "--terminal", id)
	var effective struct {
		Session struct {
			MaxMinutes int `json:"max_minutes"`
		} `json:"session"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &effective), out)
	assert.Equal(t, 40, effective.Session.MaxMinutes)

	// Card logins over the real SIP2 test server. The CLI's change reaches
	// the running server within its poll interval.
	var g grantOrRefusal
	status, granted := 0, 0
	eventually(t, 10*time.Second, func() bool {
		g = grantOrRefusal{}
		status = f.call("POST", "/api/v1/agent/login", token, map[string]string{"card": "20000001", "pin": "1234"}, &g)
		if status == 200 {
			granted++
		}
		return status == 200 && g.Minutes == 40
	}, "card login with the applied policy", func() string { return fmt.Sprintf("last answer: HTTP %d %+v", status, g) })
	assert.Equal(t, "card", g.Kind)
	assert.NotEmpty(t, g.SessionID)
	for card, code := range map[string]string{"20000002": "wrong_card_or_pin", "99999999": "wrong_card_or_pin", "20000004": "blocked"} {
		pin := "1234"
		if card == "20000002" {
			pin = "0000"
		}
		g = grantOrRefusal{}
		assert.Equal(t, 409, f.call("POST", "/api/v1/agent/login", token, map[string]string{"card": card, "pin": pin}, &g), card)
		assert.Equal(t, code, g.Refusal.Code, card)
	}

	// Guest passes made by the CLI work once.
	out, _ = run(t, "", 0, "piste-fleet", "guest-passes", "--data", f.data, "--branch", "kallio", "--count", "3", "--minutes", "25")
	codes := strings.Fields(out)
	require.Len(t, codes, 3)
	g = grantOrRefusal{}
	require.Equal(t, 200, f.call("POST", "/api/v1/agent/guest", token, map[string]string{"code": codes[0]}, &g))
	assert.Equal(t, "guest", g.Kind)
	assert.Equal(t, 25, g.Minutes)
	g = grantOrRefusal{}
	assert.Equal(t, 409, f.call("POST", "/api/v1/agent/guest", token, map[string]string{"code": codes[0]}, &g))
	assert.Equal(t, "invalid_guest_code", g.Refusal.Code)

	var sessions []map[string]any
	require.Equal(t, 200, f.call("GET", "/api/v1/sessions?active=true", f.token, nil, &sessions))
	assert.Len(t, sessions, granted+1, "every card session granted, and the guest's")
}
