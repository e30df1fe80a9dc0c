package session

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"piste/agent/localapi"
	"piste/fleet/protocol"
)

func TestHTTPFleetReserve(t *testing.T) {
	from := time.Date(2026, 11, 27, 14, 0, 0, 0, time.UTC)
	tests := []struct {
		name        string
		status      int
		body        string
		unreachable bool
		code        protocol.RefusalCode
	}{
		{name: "reserved", status: 200, body: `{"reservation":{"id":"r-1","from":"2026-11-27T14:00:00Z","until":"2026-11-27T14:30:00Z","card_hint":"0002"}}`},
		{name: "refused", status: 409, body: `{"error":"closes","refusal":{"code":"closed"}}`, code: localapi.RefusalClosed},
		{name: "proxy says down", status: 503, unreachable: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got protocol.ReserveRequest
			var path string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				path = r.URL.Path
				_ = json.NewDecoder(r.Body).Decode(&got)
				w.WriteHeader(tc.status)
				w.Write([]byte(tc.body))
			}))
			defer srv.Close()
			base, err := url.Parse(srv.URL)
			require.NoError(t, err)
			res, err := NewHTTPFleet(base, "tok", srv.Client()).Reserve(context.Background(), "20000002", "1234", 30)
			assert.Equal(t, protocol.PathAgentReserve, path)
			assert.Equal(t, protocol.ReserveRequest{Card: "20000002", PIN: "1234", Minutes: 30}, got)
			switch {
			case tc.unreachable:
				assert.ErrorIs(t, err, ErrUnreachable)
			case tc.code != "":
				var ref *localapi.Refusal
				require.True(t, errors.As(err, &ref), "%v", err)
				assert.Equal(t, tc.code, ref.Code)
			default:
				require.NoError(t, err)
				assert.Equal(t, "r-1", res.ID)
				assert.True(t, res.From.Equal(from))
				assert.Equal(t, 30*time.Minute, res.Until.Sub(res.From))
				assert.Equal(t, "0002", res.CardHint)
			}
		})
	}
}
