package api

import (
	"errors"
	"math"
	"net"
	"net/http"
	"strconv"
	"time"

	"piste/fleet/auth"
	"piste/fleet/store"
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
	u, err := a.Store.UserByName(r.Context(), req.Name)
	if err == nil {
		err = auth.CheckPassword(u.PWHash, req.Password)
	}
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) && !errors.Is(err, auth.ErrMismatch) {
			a.internal(w, "check login", err)
			return
		}
		for _, k := range keys {
			a.Logins.Fail(k, now)
		}
		writeError(w, http.StatusUnauthorized, "wrong name or password")
		return
	}
	a.Logins.Reset("name:" + req.Name)
	token := auth.NewToken()
	expires := now.Add(SessionTTL)
	if err := a.Store.AddStaffSession(r.Context(), auth.HashToken(token), u.ID, expires); err != nil {
		a.internal(w, "store login", err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: token, Path: "/", Expires: expires,
		HttpOnly: true, Secure: a.SecureCookie, SameSite: http.SameSiteStrictMode})
	writeJSON(w, http.StatusOK, loginResponse{Token: token, ExpiresAt: expires.UTC(), Name: u.Name, Role: u.Role, Branch: u.Branch})
}

func (a *API) logout(w http.ResponseWriter, r *http.Request) {
	token := bearerOrCookie(r)
	if token != "" {
		if err := a.Store.DeleteStaffSession(r.Context(), auth.HashToken(token)); err != nil {
			a.internal(w, "logout", err)
			return
		}
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: a.SecureCookie, SameSite: http.SameSiteStrictMode})
	w.WriteHeader(http.StatusNoContent)
}

func (a *API) me(w http.ResponseWriter, r *http.Request) {
	u := UserFrom(r.Context())
	writeJSON(w, http.StatusOK, map[string]string{"name": u.Name, "role": u.Role, "branch": u.Branch})
}

func bearerOrCookie(r *http.Request) string {
	if v := r.Header.Get("Authorization"); len(v) > 7 && v[:7] == "Bearer " {
		return v[7:]
	}
	if c, err := r.Cookie(SessionCookie); err == nil {
		return c.Value
	}
	return ""
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
