package server

import (
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"piste/fleet/httpio"
)

// A failure inside the fleet reaches the client as a 500 that names the
// request id, never as a 400 carrying the database's words; the same id
// is on the answer's header for the admin to quote.
func TestInternalErrorIsA500WithARequestID(t *testing.T) {
	f := newTestFleet(t)
	admin := f.login("admin")
	require.NoError(t, f.srv.Store.Close()) // every query now fails inside database/sql
	for _, path := range []string{"/api/v1/terminals", "/"} {
		req, err := http.NewRequest("GET", f.srv.URL+path, nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+admin)
		req.AddCookie(&http.Cookie{Name: "piste_session", Value: admin})
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		id := resp.Header.Get(httpio.RequestIDHeader)
		assert.Equal(t, 500, resp.StatusCode, path)
		require.NotEmpty(t, id, path)
		assert.Contains(t, string(raw), "request id "+id, path)
		assert.NotContains(t, string(raw), "sql", path)
		assert.NotContains(t, string(raw), "closed", path)
	}
}

// A branch admin asking for another branch's policy, guest passes or
// terminal gets the domain's answer through the API.
func TestBranchAdminScopeThroughTheAPI(t *testing.T) {
	f := newTestFleet(t)
	oodiTerm, _ := f.enroll("oodi")
	kallioTerm, _ := f.enroll("kallio")
	branchAdmin := f.login("kallio-admin")
	tests := []struct {
		name, method, path, body string
		status                   int
		field                    string
	}{
		{"policy of another branch", "GET", "/api/v1/policies/branch:oodi", "", 403, ""},
		{"fleet policy", "PUT", "/api/v1/policies/fleet", "", 403, ""},
		{"guest passes for another branch", "POST", "/api/v1/guest-passes", `{"branch":"oodi","count":1,"minutes":5}`, 400, "branch"},
		{"guest passes for its branch", "POST", "/api/v1/guest-passes", `{"branch":"kallio","count":1,"minutes":5}`, 201, ""},
		{"revoke another branch's terminal", "POST", "/api/v1/terminals/" + oodiTerm + "/revoke", "", 404, ""},
		{"wipes of another branch's terminal", "GET", "/api/v1/terminals/" + oodiTerm + "/wipes", "", 404, ""},
		{"enroll code for another branch", "POST", "/api/v1/enroll-codes", `{"branch":"oodi"}`, 400, "branch"},
		{"revoke its own terminal", "POST", "/api/v1/terminals/" + kallioTerm + "/revoke", "", 204, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body := f.do(tc.method, tc.path, branchAdmin, tc.body)
			assert.Equal(t, tc.status, status, body)
			if tc.field != "" {
				assert.Equal(t, tc.field, body["field"])
			}
		})
	}
	status, _ := f.do("GET", "/api/v1/terminals/"+oodiTerm, f.login("admin"), "")
	assert.Equal(t, 200, status, "the other branch's terminal is still there")
}
