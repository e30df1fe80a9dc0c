package httpio

import (
	"net/http"
	"strings"
	"time"

	"piste/fleet/staff"
)

// Token returns a request's staff token: a bearer token, else the
// session cookie; "" when there is neither.
func Token(r *http.Request) string {
	if t, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		return t
	}
	if c, err := r.Cookie(staff.SessionCookie); err == nil {
		return c.Value
	}
	return ""
}

// SetSession gives the browser its login cookie. It is SameSite=Strict,
// so another site cannot act with it.
func SetSession(w http.ResponseWriter, token string, expires time.Time, secure bool) {
	http.SetCookie(w, &http.Cookie{Name: staff.SessionCookie, Value: token, Path: "/", Expires: expires,
		HttpOnly: true, Secure: secure, SameSite: http.SameSiteStrictMode})
}

// ClearSession removes the login cookie.
func ClearSession(w http.ResponseWriter, secure bool) {
	http.SetCookie(w, &http.Cookie{Name: staff.SessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: secure, SameSite: http.SameSiteStrictMode})
}
