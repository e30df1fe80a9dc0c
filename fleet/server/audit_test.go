package server

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"piste/fleet/store"
)

// A branch admin reading the audit log through the API sees its branch's
// entries only: its terminals, its policy changes (with what changed),
// its staff's logins; never the fleet admin's or another branch's.
func TestBranchAdminReadsOnlyItsAudit(t *testing.T) {
	f := newTestFleet(t)
	admin := f.login("admin")
	kallioTerm, _ := f.enroll("kallio")
	oodiTerm, _ := f.enroll("oodi")
	branchAdmin := f.login("kallio-admin")
	status, _ := f.do("POST", "/api/v1/auth/login", "", `{"name":"vera","password":"not-veras-password"}`)
	require.Equal(t, 401, status)
	for _, scope := range []string{"branch:kallio", "branch:oodi"} {
		for _, minutes := range []string{"60", "45"} {
			req, err := http.NewRequest("PUT", f.srv.URL+"/api/v1/policies/"+scope, strings.NewReader("session:\n  max_minutes: "+minutes+"\n"))
			require.NoError(t, err)
			req.Header.Set("Content-Type", "application/yaml")
			req.Header.Set("Authorization", "Bearer "+admin)
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			resp.Body.Close()
			require.Equal(t, 200, resp.StatusCode, scope)
		}
	}
	for _, branch := range []string{"kallio", "oodi"} {
		status, body := f.do("POST", "/api/v1/guest-passes", admin, `{"branch":"`+branch+`","count":1,"minutes":5}`)
		require.Equal(t, 201, status, body)
	}

	read := func(token string) []store.AuditEntry {
		req, err := http.NewRequest("GET", f.srv.URL+"/api/v1/audit", nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		require.Equal(t, 200, resp.StatusCode)
		var entries []store.AuditEntry
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&entries))
		return entries
	}
	summary := func(entries []store.AuditEntry) []string {
		var out []string
		for _, e := range entries {
			out = append(out, e.Action+" "+e.Target+" "+e.Detail)
			assert.NotContains(t, e.Actor+e.Target+e.Detail, "password", "never a password")
		}
		return out
	}
	assert.Equal(t, []string{
		"guest-passes kallio 1 passes of 5 min",
		"policy-apply branch:kallio session.max_minutes: 60 -> 45",
		"policy-apply branch:kallio + session.max_minutes: 60",
		"login-failed vera from 127.0.0.1",
		"login kallio-admin from 127.0.0.1",
		"enroll " + kallioTerm + " branch kallio, name pc",
		"enroll-code kallio uses 1, ttl 1h0m0s",
	}, summary(read(branchAdmin)))

	all := summary(read(admin))
	assert.Contains(t, all, "login admin from 127.0.0.1", "the fleet admin sees everything")
	assert.Contains(t, all, "enroll "+oodiTerm+" branch oodi, name pc")
	assert.Contains(t, all, "policy-apply branch:oodi session.max_minutes: 60 -> 45")
}
