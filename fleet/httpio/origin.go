package httpio

import (
	"mime"
	"net/http"
	"net/url"
	"strings"

	"piste/fleet/staff"
)

// SameOrigin refuses cross-site writes made with a browser's session
// cookie. A write (any method but GET, HEAD, OPTIONS) that carries the
// session cookie and no bearer token must show it comes from the fleet's
// own pages: Sec-Fetch-Site: same-origin, or an Origin naming this host.
// The JSON API's cookie writes must also be application/json, which
// another site's form cannot send. A write the browser says is cross-site
// is refused even without a cookie (a forged login). Bearer-token clients
// (the CLI, scripts, agents) send neither header and are not affected.
func SameOrigin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := checkOrigin(r); err != nil {
			WriteError(w, nil, "check origin", err)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func checkOrigin(r *http.Request) error {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return nil
	}
	site := r.Header.Get("Sec-Fetch-Site")
	origin := r.Header.Get("Origin")
	sameOrigin := site == "same-origin" || origin != "" && originHost(origin) == r.Host
	crossSite := site != "" && site != "same-origin" && site != "none" || origin != "" && !sameOrigin
	if crossSite {
		return &statusError{http.StatusForbidden, "refused: this request came from another site (Origin " + origin + "); use the fleet's own pages"}
	}
	if !cookieAuthenticated(r) {
		return nil
	}
	if !sameOrigin {
		return &statusError{http.StatusForbidden, "refused: a write with the session cookie must come from the fleet's own pages (no same-origin Origin or Sec-Fetch-Site header); scripts send Authorization: Bearer <token>"}
	}
	if strings.HasPrefix(r.URL.Path, "/api/") {
		if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
			return &statusError{http.StatusUnsupportedMediaType, "a write with the session cookie must send Content-Type: application/json"}
		}
	}
	return nil
}

// cookieAuthenticated reports whether the request would act with the
// session cookie: it has one and no bearer token (which wins).
func cookieAuthenticated(r *http.Request) bool {
	if strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") {
		return false
	}
	_, err := r.Cookie(staff.SessionCookie)
	return err == nil
}

func originHost(origin string) string {
	u, err := url.Parse(origin)
	if err != nil || u.Scheme == "" {
		return ""
	}
	return u.Host
}
