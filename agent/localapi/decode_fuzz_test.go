package localapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// FuzzDecodeRequest feeds arbitrary bodies to the request decoder: it must
// never panic, must answer every rejection with a 4xx and a code, and what
// it accepts must survive a JSON round trip unchanged.
func FuzzDecodeRequest(f *testing.F) {
	for _, seed := range []string{
		`{"card":"123","pin":"4321"}`, `{"card":"123","pin":"4321","minutes":30}`, `{"code":"G-1"}`, `{"language":"fi"}`,
		`{"text_scale":150,"high_contrast":true}`, `{"topic":"print","note":"x"}`,
		``, `null`, `{`, `{"card":1}`, `{"x":1}`, `{}{}`, `[1,2]`, "\xff\xfe", `{"pin":"\u0000"}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		targets := []func() any{
			func() any { return &LoginRequest{} }, func() any { return &GuestRequest{} }, func() any { return &ReserveRequest{} },
			func() any { return &LanguageRequest{} }, func() any { return &Accessibility{} },
			func() any { return &HelpRequest{} },
		}
		for _, newTarget := range targets {
			v := newTarget()
			apiErr := decodeRequest(bytes.NewReader(body), v, false)
			if apiErr != nil {
				assert.GreaterOrEqual(t, apiErr.StatusCode, 400)
				assert.Less(t, apiErr.StatusCode, 500)
				assert.NotEmpty(t, apiErr.Code)
				assert.NotEmpty(t, apiErr.Message)
				continue
			}
			again, err := json.Marshal(v)
			require.NoError(t, err)
			w := newTarget()
			require.Nil(t, decodeRequest(bytes.NewReader(again), w, false), "re-encoded %s", again)
			assert.Equal(t, v, w)
		}
	})
}

// FuzzDecodeErrorAnswer feeds arbitrary error answers to the client: each
// must become a *Refusal (refusal statuses with a code) or an *APIError,
// never a panic or a nil error.
func FuzzDecodeErrorAnswer(f *testing.F) {
	f.Add(409, []byte(`{"error":{"code":"wrong_pin","message":"x"}}`))
	f.Add(429, []byte(`{"error":{"code":"locked_out","retry_after_seconds":300}}`))
	f.Add(400, []byte(`{"error":{"code":"bad_request"}}`))
	f.Add(500, []byte(`<html>oops</html>`))
	f.Add(423, []byte(``))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		status = 400 + abs(status)%200
		resp := &http.Response{StatusCode: status, Body: io.NopCloser(bytes.NewReader(body))}
		err := decodeErrorAnswer(resp)
		require.Error(t, err)
		var ref *Refusal
		var apiErr *APIError
		switch {
		case errors.As(err, &ref):
			assert.True(t, isRefusalStatus(status))
			assert.NotEmpty(t, ref.Code)
		case errors.As(err, &apiErr):
			assert.Equal(t, status, apiErr.StatusCode)
			assert.NotEmpty(t, apiErr.Code)
		default:
			t.Fatalf("unexpected error type %T", err)
		}
	})
}

func abs(n int) int {
	if n < 0 {
		return -(n + 1)
	}
	return n
}
