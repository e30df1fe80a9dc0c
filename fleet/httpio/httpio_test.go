package httpio_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"piste/fleet/fault"
	"piste/fleet/httpio"
)

func TestErrorsMapToStatuses(t *testing.T) {
	tests := []struct {
		name   string
		err    error
		status int
		field  string
	}{
		{"field", fault.Field("count", "count must be between 1 and 1000, got 0"), 400, "count"},
		{"wrapped field", fmt.Errorf("guest passes: %w", fault.Field("minutes", "minutes too many")), 400, "minutes"},
		{"unauthenticated", fault.Unauthenticated("log in first"), 401, ""},
		{"forbidden", fault.Forbidden("this needs the admin role; you are editor"), 403, ""},
		{"not found", fault.NotFound("no terminal %q", "t-1"), 404, ""},
		{"conflict", fault.Conflict("terminal t-1 is revoked; enroll it again"), 409, ""},
		{"sentinel", fmt.Errorf("x: %w", fault.ErrNotFound), 404, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.status, httpio.Status(tc.err))
			w := httptest.NewRecorder()
			httpio.WriteError(w, slog.New(slog.DiscardHandler), "act", tc.err)
			assert.Equal(t, tc.status, w.Code)
			var body httpio.Error
			require.NoError(t, json.Unmarshal(w.Body.Bytes(), &body))
			assert.Equal(t, tc.err.Error(), body.Error, "a domain error is told as it is")
			assert.Equal(t, tc.field, body.Field)
			assert.Empty(t, body.RequestID)
		})
	}
}

// An internal failure is a 500 naming the action and the request id; the
// database's words stay in the log, with that id.
func TestInternalErrorGivesRequestIDNotDetail(t *testing.T) {
	var logged bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logged, nil))
	h := httpio.RequestIDs(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		httpio.WriteError(w, log, "list terminals", errors.New("sqlite: database disk image is malformed"))
	}))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/api/v1/terminals", nil))
	assert.Equal(t, 500, w.Code)
	id := w.Header().Get(httpio.RequestIDHeader)
	require.NotEmpty(t, id)
	var body httpio.Error
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &body))
	assert.Equal(t, id, body.RequestID)
	assert.Contains(t, body.Error, "list terminals failed on the server")
	assert.Contains(t, body.Error, id)
	assert.NotContains(t, w.Body.String(), "sqlite")
	assert.Contains(t, logged.String(), "database disk image is malformed")
	assert.Contains(t, logged.String(), "request_id="+id)

	w2 := httptest.NewRecorder()
	h.ServeHTTP(w2, httptest.NewRequest("GET", "/", nil))
	assert.NotEqual(t, id, w2.Header().Get(httpio.RequestIDHeader), "one id per request")
}

func TestDecode(t *testing.T) {
	type req struct {
		Name  string `json:"name"`
		Count int    `json:"count"`
	}
	tests := []struct {
		name, ctype, body string
		status            int
		field, contains   string
	}{
		{"good", "application/json", `{"name":"a","count":1}`, 0, "", ""},
		{"no content type", "", `{"name":"a"}`, 0, "", ""},
		{"wrong media type", "text/plain", `{}`, 415, "", "application/json"},
		{"empty", "application/json", ``, 400, "", "body is empty"},
		{"syntax", "application/json", `{"name":`, 400, "", "not valid JSON"},
		{"unknown field", "application/json", `{"nme":"a"}`, 400, "nme", `unknown field "nme"`},
		{"wrong type", "application/json", `{"count":"many"}`, 400, "count", `field "count" must be int`},
		{"trailing data", "application/json", `{}{}`, 400, "", "one JSON object"},
		{"too large", "application/json", `{"name":"` + strings.Repeat("a", httpio.MaxBody) + `"}`, 413, "", "larger than"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/", strings.NewReader(tc.body))
			if tc.ctype != "" {
				r.Header.Set("Content-Type", tc.ctype)
			}
			var v req
			err := httpio.Decode(httptest.NewRecorder(), r, &v)
			if tc.status == 0 {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Equal(t, tc.status, httpio.Status(err))
			assert.Contains(t, err.Error(), tc.contains)
			fe, _ := fault.AsField(err)
			if tc.field != "" {
				require.NotNil(t, fe)
				assert.Equal(t, tc.field, fe.Field)
			}
		})
	}
}
