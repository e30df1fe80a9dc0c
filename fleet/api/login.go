package api

import (
	"net"
	"net/http"
	"time"

	"piste/fleet/httpio"
	"piste/fleet/staff"
)

type loginRequest struct {
	Name     string `json:"name"`
	Password string `json:"password"`
	// Cookie asks for the browser flow: the session goes into the
	// HttpOnly cookie only, and the answer carries no token.
	Cookie bool `json:"cookie"`
}

type loginResponse struct {
	Token     string    `json:"token,omitempty"`
	ExpiresAt time.Time `json:"expires_at"`
	Name      string    `json:"name"`
	Role      string    `json:"role"`
	// Branch is the one branch of a member scoped to exactly one, kept for
	// clients older than Branches; Branches is empty for fleet-wide staff.
	Branch   string   `json:"branch,omitempty"`
	Branches []string `json:"branches"`
}

// branchList is never null in JSON: a fleet-wide member has [].
func branchList(m staff.Member) []string {
	if m.Branches == nil {
		return []string{}
	}
	return m.Branches
}

// login checks a staff password; the staff service limits guessing per
// name and client address and per address (429 with Retry-After). A
// script or the CLI gets a bearer token; the web page asks for the cookie,
// which scripts on the page cannot read.
func (a *API) login(w http.ResponseWriter, r *http.Request) {
	var req loginRequest
	if !decode(w, r, &req) {
		return
	}
	sess, err := a.Staff.Login(r.Context(), req.Name, req.Password, clientIP(r))
	if err != nil {
		a.fail(w, "check login", err)
		return
	}
	m := sess.Member
	reply := loginResponse{ExpiresAt: sess.ExpiresAt.UTC(), Name: m.Name, Role: m.Role, Branch: m.HomeBranch(), Branches: branchList(m)}
	if req.Cookie {
		httpio.SetSession(w, sess.Token, sess.ExpiresAt, a.SecureCookie)
	} else {
		reply.Token = sess.Token
	}
	writeJSON(w, http.StatusOK, reply)
}

func (a *API) logout(w http.ResponseWriter, r *http.Request) {
	if err := a.Staff.Logout(r.Context(), httpio.Token(r)); err != nil {
		a.fail(w, "logout", err)
		return
	}
	httpio.ClearSession(w, a.SecureCookie)
	w.WriteHeader(http.StatusNoContent)
}

func (a *API) me(w http.ResponseWriter, r *http.Request) {
	m := member(r)
	writeJSON(w, http.StatusOK, map[string]any{"name": m.Name, "role": m.Role, "branch": m.HomeBranch(), "branches": branchList(m)})
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
