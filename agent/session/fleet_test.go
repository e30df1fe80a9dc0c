package session

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"piste/agent/localapi"
	"piste/fleet/protocol"
)

func TestHTTPFleetAnswers(t *testing.T) {
	tests := []struct {
		name        string
		status      int
		body        string
		unreachable bool
		code        protocol.RefusalCode
		msg         string
	}{
		{name: "grant", status: 200, body: `{"session_id":"s1","kind":"card","minutes":45}`},
		{name: "refusal", status: 403, body: `{"error":"locked","refusal":{"code":"locked_out","retry_after_seconds":900}}`, code: localapi.RefusalLockedOut},
		{name: "token refused", status: 401, body: `{}`, code: localapi.RefusalUnavailable, msg: "enroll this terminal again"},
		{name: "old fleet", status: 404, body: `404 page not found`, code: localapi.RefusalUnavailable, msg: "upgrade piste-fleet"},
		{name: "proxy says down", status: 502, body: ``, unreachable: true},
		{name: "garbage grant", status: 200, body: `{"session_id":`, code: localapi.RefusalUnavailable, msg: "not valid JSON"},
		{name: "server error", status: 500, body: `oops`, code: localapi.RefusalUnavailable, msg: "HTTP 500"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var auth string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				auth = r.Header.Get("Authorization")
				w.WriteHeader(tc.status)
				w.Write([]byte(tc.body))
			}))
			defer srv.Close()
			base, err := url.Parse(srv.URL)
			require.NoError(t, err)
			g, err := NewHTTPFleet(base, "tok", srv.Client()).Login(context.Background(), "1", "2")
			assert.Equal(t, "Bearer tok", auth)
			switch {
			case tc.unreachable:
				assert.ErrorIs(t, err, ErrUnreachable)
			case tc.code != "":
				var ref *localapi.Refusal
				require.True(t, errors.As(err, &ref), "%v", err)
				assert.Equal(t, tc.code, ref.Code)
				assert.Contains(t, ref.Error(), tc.msg)
			default:
				require.NoError(t, err)
				assert.Equal(t, "s1", g.SessionID)
				assert.Equal(t, 45, g.Minutes)
			}
		})
	}
}

func TestHTTPFleetUnreachableHidesPIN(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	base, _ := url.Parse(srv.URL)
	srv.Close()
	_, err := NewHTTPFleet(base, "tok", http.DefaultClient).Login(context.Background(), "20000001", "secret-pin")
	require.ErrorIs(t, err, ErrUnreachable)
	assert.NotContains(t, err.Error(), "secret-pin")
}

func FuzzDecodeAnswer(f *testing.F) {
	f.Add(200, []byte(`{"session_id":"s","minutes":3}`))
	f.Add(403, []byte(`{"error":"x","refusal":{"code":"blocked"}}`))
	f.Add(409, []byte(`{"refusal":{"code":""}}`))
	f.Add(503, []byte{})
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		var g struct {
			SessionID string `json:"session_id"`
		}
		err := decodeAnswer("/p", status, body, &g)
		if err == nil && (status < 200 || status >= 300) {
			t.Fatalf("status %d accepted", status)
		}
		var ref *localapi.Refusal
		if err != nil && !errors.Is(err, ErrUnreachable) && !errors.As(err, &ref) {
			t.Fatalf("error of unexpected kind: %v", err)
		}
		if ref != nil && ref.Code == "" {
			t.Fatalf("refusal without a code")
		}
	})
}
