package localapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"piste/agent/localapi"
	"piste/agent/localapi/localapitest"
	"piste/fleet/protocol"
)

func idle() localapi.Status {
	return localapi.Status{State: localapi.StateIdle, Version: "test", Language: "fi",
		Accessibility: localapi.Accessibility{TextScale: 100}}
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

func TestIntentsReachController(t *testing.T) {
	tests := []struct {
		name string
		call func(context.Context, *localapi.Client) error
		want localapitest.Call
	}{
		{"login", func(c context.Context, cl *localapi.Client) error {
			return cl.Login(c, localapi.LoginRequest{Card: "12345678", PIN: "4321"})
		}, localapitest.Call{Method: "Login", Arg: localapi.LoginRequest{Card: "12345678", PIN: "4321"}}},
		{"guest", func(c context.Context, cl *localapi.Client) error {
			return cl.Guest(c, localapi.GuestRequest{Code: "G-77"})
		}, localapitest.Call{Method: "Guest", Arg: localapi.GuestRequest{Code: "G-77"}}},
		{"reserve", func(c context.Context, cl *localapi.Client) error {
			return cl.Reserve(c, localapi.ReserveRequest{Card: "12345678", PIN: "4321", Minutes: 30})
		}, localapitest.Call{Method: "Reserve", Arg: localapi.ReserveRequest{Card: "12345678", PIN: "4321", Minutes: 30}}},
		{"extend", func(c context.Context, cl *localapi.Client) error { return cl.Extend(c) },
			localapitest.Call{Method: "Extend"}},
		{"still here", func(c context.Context, cl *localapi.Client) error { return cl.StillHere(c) },
			localapitest.Call{Method: "StillHere"}},
		{"end", func(c context.Context, cl *localapi.Client) error { return cl.End(c) },
			localapitest.Call{Method: "End"}},
		{"language", func(c context.Context, cl *localapi.Client) error {
			return cl.SetLanguage(c, localapi.LanguageRequest{Language: "sv"})
		}, localapitest.Call{Method: "SetLanguage", Arg: localapi.LanguageRequest{Language: "sv"}}},
		{"accessibility", func(c context.Context, cl *localapi.Client) error {
			return cl.SetAccessibility(c, localapi.Accessibility{TextScale: 175, HighContrast: true})
		}, localapitest.Call{Method: "SetAccessibility", Arg: localapi.Accessibility{TextScale: 175, HighContrast: true}}},
		{"help", func(c context.Context, cl *localapi.Client) error {
			return cl.RequestHelp(c, localapi.HelpRequest{Topic: "printing"})
		}, localapitest.Call{Method: "RequestHelp", Arg: localapi.HelpRequest{Topic: "printing"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctl := localapitest.NewScripted(idle())
			_, cl := localapitest.Start(t, ctl)
			require.NoError(t, tc.call(ctx(t), cl))
			assert.Equal(t, []localapitest.Call{tc.want}, ctl.Calls())
		})
	}
}

func TestStatusRoundTrip(t *testing.T) {
	want := idle()
	want.Reservation = &localapi.Reservation{From: time.Date(2025, 3, 1, 14, 0, 0, 0, time.UTC),
		Until: time.Date(2025, 3, 1, 15, 0, 0, 0, time.UTC), CardHint: "1234"}
	want.Help = &localapi.Help{ID: "h1", Status: "claimed", Volunteer: "Aino"}
	ctl := localapitest.NewScripted(want)
	_, cl := localapitest.Start(t, ctl)
	got, err := cl.Status(ctx(t))
	require.NoError(t, err)
	assert.Equal(t, want, got)
}

func TestRefusalsComeBackAsRefusal(t *testing.T) {
	tests := []struct {
		code       protocol.RefusalCode
		retry      int
		wantStatus int
	}{
		{localapi.RefusalWrongPIN, 0, http.StatusConflict},
		{localapi.RefusalLockedOut, 300, http.StatusTooManyRequests},
		{localapi.RefusalBusy, 0, http.StatusLocked},
		{localapi.RefusalQuotaExhausted, 0, http.StatusConflict},
	}
	for _, tc := range tests {
		t.Run(string(tc.code), func(t *testing.T) {
			ctl := localapitest.NewScripted(idle())
			srv, cl := localapitest.Start(t, ctl)
			refusal := &localapi.Refusal{Code: tc.code, Message: "detail", RetryAfterSeconds: tc.retry}

			ctl.RefuseNext("Login", refusal)
			err := cl.Login(ctx(t), localapi.LoginRequest{Card: "1", PIN: "2"})
			var got *localapi.Refusal
			require.ErrorAs(t, err, &got)
			assert.Equal(t, refusal, got)
			assert.False(t, localapi.IsUnreachable(err))

			ctl.RefuseNext("Login", refusal)
			resp := rawDo(t, srv.Path, http.MethodPost, "/v1/login", `{"card":"1","pin":"2"}`)
			assert.Equal(t, tc.wantStatus, resp.status)
			assert.Equal(t, string(tc.code), resp.body.Error.Code)
			assert.Equal(t, tc.retry, resp.body.Error.RetryAfterSeconds)
		})
	}
}

func TestControllerFailureIsInternalError(t *testing.T) {
	failing := failingController{Scripted: localapitest.NewScripted(idle())}
	_, cl := localapitest.Start(t, failing)
	err := cl.End(ctx(t))
	var apiErr *localapi.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusInternalServerError, apiErr.StatusCode)
	assert.Equal(t, localapi.CodeInternal, apiErr.Code)
	assert.Contains(t, apiErr.Message, "wipe service not ready")
	assert.False(t, localapi.IsUnreachable(err))
}

type failingController struct{ *localapitest.Scripted }

func (failingController) End(context.Context) error { return errors.New("wipe service not ready") }

// rawAnswer is an answer read without the Client, to check the wire format.
type rawAnswer struct {
	status int
	header http.Header
	body   struct {
		Error struct {
			Code              string `json:"code"`
			Message           string `json:"message"`
			RetryAfterSeconds int    `json:"retry_after_seconds"`
		} `json:"error"`
	}
	raw string
}

func rawDo(t *testing.T, path, method, url, body string) rawAnswer {
	t.Helper()
	return rawDoReader(t, path, method, url, strings.NewReader(body))
}

func rawDoReader(t *testing.T, path, method, url string, body io.Reader) rawAnswer {
	t.Helper()
	hc := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", path)
	}}}
	defer hc.CloseIdleConnections()
	req, err := http.NewRequestWithContext(ctx(t), method, "http://agent"+url, body)
	require.NoError(t, err)
	resp, err := hc.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	ans := rawAnswer{status: resp.StatusCode, header: resp.Header, raw: string(data)}
	if resp.StatusCode >= 400 {
		require.NoError(t, json.Unmarshal(data, &ans.body), "error answer must be JSON: %s", data)
	}
	return ans
}

func TestGarbageGetsClearErrors(t *testing.T) {
	tests := []struct {
		name, method, path, body string
		wantStatus               int
		wantCode                 string
		wantInMessage            string
	}{
		{"not json", "POST", "/v1/login", "card=1&pin=2", 400, localapi.CodeBadRequest, "not valid JSON"},
		{"truncated", "POST", "/v1/login", `{"card":"1","pin":`, 400, localapi.CodeBadRequest, "middle"},
		{"wrong type", "POST", "/v1/accessibility", `{"text_scale":"big"}`, 400, localapi.CodeBadRequest, `"text_scale"`},
		{"text scale out of range", "POST", "/v1/accessibility", `{"text_scale":900}`, 400, localapi.CodeBadRequest, "text_scale must be between 100 and 200"},
		{"speech rate out of range", "POST", "/v1/accessibility", `{"text_scale":100,"speech":true,"speech_rate":5}`, 400, localapi.CodeBadRequest, "speech_rate"},
		{"array not object", "POST", "/v1/guest", `["G-1"]`, 400, localapi.CodeBadRequest, "JSON object"},
		{"unknown field", "POST", "/v1/login", `{"card":"1","pin":"2","admin":true}`, 400, localapi.CodeUnknownField, `"admin"`},
		{"two objects", "POST", "/v1/language", `{"language":"fi"}{"language":"sv"}`, 400, localapi.CodeBadRequest, "after the JSON object"},
		{"empty login", "POST", "/v1/login", "", 400, localapi.CodeBadRequest, "empty"},
		{"empty reserve", "POST", "/v1/reserve", "", 400, localapi.CodeBadRequest, "empty"},
		{"reserve minutes not a number", "POST", "/v1/reserve", `{"card":"1","pin":"2","minutes":"half"}`, 400, localapi.CodeBadRequest, `"minutes"`},
		{"huge body", "POST", "/v1/help", `{"note":"` + strings.Repeat("x", 64<<10) + `"}`, 413, localapi.CodeBodyTooLarge, "16384"},
		{"unknown path", "GET", "/v1/secrets", "", 404, localapi.CodeNotFound, "/v1/secrets"},
		{"root path", "GET", "/", "", 404, localapi.CodeNotFound, "/v1/"},
		{"wrong method", "GET", "/v1/login", "", 405, localapi.CodeMethodNotAllowed, "POST"},
		{"post to status", "POST", "/v1/status", "{}", 405, localapi.CodeMethodNotAllowed, "GET"},
	}
	ctl := localapitest.NewScripted(idle())
	srv, cl := localapitest.Start(t, ctl)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ans := rawDo(t, srv.Path, tc.method, tc.path, tc.body)
			assert.Equal(t, tc.wantStatus, ans.status, ans.raw)
			assert.Equal(t, tc.wantCode, ans.body.Error.Code)
			assert.Contains(t, ans.body.Error.Message, tc.wantInMessage)
			assert.NotContains(t, ans.raw, "2\",\"admin", "the answer must not echo the body")

			st, err := cl.Status(ctx(t)) // the server keeps serving
			require.NoError(t, err)
			assert.Equal(t, localapi.StateIdle, st.State)
		})
	}
	assert.Empty(t, ctl.Calls(), "no garbage request may reach the controller")
}

func TestEmptyBodyAllowedForCallsWithoutParameters(t *testing.T) {
	ctl := localapitest.NewScripted(idle())
	srv, _ := localapitest.Start(t, ctl)
	for _, p := range []string{"/v1/extend", "/v1/end", "/v1/help"} {
		ans := rawDo(t, srv.Path, "POST", p, "")
		assert.Equal(t, http.StatusOK, ans.status, p)
	}
	assert.Len(t, ctl.Calls(), 3)
}

func TestPINNeverInFormattedOutput(t *testing.T) {
	for _, req := range []any{
		localapi.LoginRequest{Card: "2000123", PIN: "9876"},
		localapi.ReserveRequest{Card: "2000123", PIN: "9876", Minutes: 30},
	} {
		var sb strings.Builder
		logger := slogTo(&sb)
		logger.Info("login", "req", req)
		for _, s := range []string{sb.String(), fmtAll(req)} {
			assert.NotContains(t, s, "9876")
			assert.Contains(t, s, "2000123")
		}
	}
}
