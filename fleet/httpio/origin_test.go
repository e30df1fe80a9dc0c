package httpio_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"

	"piste/fleet/httpio"
)

func TestSameOrigin(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	h := httpio.SameOrigin(ok)
	tests := []struct {
		name, method, path, ctype string
		cookie, bearer            bool
		headers                   map[string]string
		status                    int
	}{
		{"read with cookie from anywhere", "GET", "/api/v1/terminals", "", true, false, map[string]string{"Origin": "http://evil.example"}, 204},
		{"cookie write, same origin, JSON", "POST", "/api/v1/x", "application/json; charset=utf-8", true, false, map[string]string{"Origin": "http://fleet.test"}, 204},
		{"cookie write, fetch metadata, JSON", "DELETE", "/api/v1/x", "application/json", true, false, map[string]string{"Sec-Fetch-Site": "same-origin"}, 204},
		{"cookie write, no origin", "POST", "/api/v1/x", "application/json", true, false, nil, 403},
		{"cookie write, other origin", "PUT", "/api/v1/x", "application/json", true, false, map[string]string{"Origin": "https://evil.example"}, 403},
		{"cookie write, other port", "POST", "/api/v1/x", "application/json", true, false, map[string]string{"Origin": "http://fleet.test:8081"}, 403},
		{"cookie write, cross-site metadata", "POST", "/api/v1/x", "application/json", true, false, map[string]string{"Sec-Fetch-Site": "cross-site"}, 403},
		{"cookie write, same origin, form", "POST", "/api/v1/x", "application/x-www-form-urlencoded", true, false, map[string]string{"Origin": "http://fleet.test"}, 415},
		{"cookie page form, same origin", "POST", "/guest-passes", "application/x-www-form-urlencoded", true, false, map[string]string{"Origin": "http://fleet.test"}, 204},
		{"bearer write without origin", "POST", "/api/v1/x", "", true, true, nil, 204},
		{"login without cookie or origin (a script)", "POST", "/api/v1/auth/login", "application/json", false, false, nil, 204},
		{"login posted from another site", "POST", "/api/v1/auth/login", "application/json", false, false, map[string]string{"Origin": "http://evil.example"}, 403},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(tc.method, "http://fleet.test"+tc.path, nil)
			if tc.ctype != "" {
				r.Header.Set("Content-Type", tc.ctype)
			}
			if tc.cookie {
				r.AddCookie(&http.Cookie{Name: "piste_session", Value: "s"})
			}
			if tc.bearer {
				r.Header.Set("Authorization", "Bearer t")
			}
			for k, v := range tc.headers {
				r.Header.Set(k, v)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			assert.Equal(t, tc.status, w.Code, w.Body.String())
		})
	}
}
