package api

import (
	"errors"
	"math"
	"net"
	"net/http"
	"strconv"
	"time"

	"piste/fleet/fault"
	"piste/fleet/httpio"
)

type loginRequest struct {
	Name     string `json:"name"`
	Password string `json:"password"`
}

type loginResponse struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
	Name      string    `json:"name"`
	Role      string    `json:"role"`
	Branch    string    `json:"branch,omitempty"`
}

// login checks a staff password. Failures are limited per account name and
// per client address, so neither one account nor one client can be guessed at.
func (a *API) login(w http.ResponseWriter, r *http.Request) {
	var req loginRequest
	if !decode(w, r, &req) {
		return
	}
	if req.Name == "" || req.Password == "" {
		writeFieldError(w, "name", "name and password are required")
		return
	}
	now := a.Now()
	keys := []string{"name:" + req.Name, "ip:" + clientIP(r)}
	for _, k := range keys {
		if ok, wait := a.Logins.Allow(k, now); !ok {
			secs := int(math.Ceil(wait.Seconds()))
			w.Header().Set("Retry-After", strconv.Itoa(secs))
			writeError(w, http.StatusTooManyRequests, "too many failed logins; try again in %d seconds", secs)
			return
		}
	}
	sess, err := a.Staff.Login(r.Context(), req.Name, req.Password)
	if errors.Is(err, fault.ErrUnauthenticated) {
		for _, k := range keys {
			a.Logins.Fail(k, now)
		}
	}
	if err != nil {
		a.fail(w, "check login", err)
		return
	}
	a.Logins.Reset("name:" + req.Name)
	httpio.SetSession(w, sess.Token, sess.ExpiresAt, a.SecureCookie)
	m := sess.Member
	writeJSON(w, http.StatusOK, loginResponse{Token: sess.Token, ExpiresAt: sess.ExpiresAt.UTC(), Name: m.Name, Role: m.Role, Branch: m.Branch})
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
	writeJSON(w, http.StatusOK, map[string]string{"name": m.Name, "role": m.Role, "branch": m.Branch})
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
