package localapi_test

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"piste/agent/localapi"
	"piste/agent/localapi/localapitest"
)

// POST /v1/still-here answers an idle warning: it takes no body, reaches
// the controller, and a refusal (no session to keep) comes back as one.
func TestStillHere(t *testing.T) {
	st := idle()
	st.State = localapi.StateActive
	st.Session = &localapi.Session{ID: "s1", Idle: &localapi.IdleWarning{
		EndsAt: time.Date(2025, 3, 1, 14, 0, 0, 0, time.UTC), SecondsLeft: 60}}
	ctl := localapitest.NewScripted(st)
	srv, cl := localapitest.Start(t, ctl)

	got, err := cl.Status(ctx(t))
	require.NoError(t, err)
	assert.Equal(t, st.Session.Idle, got.Session.Idle, "the warning reaches the kiosk")

	require.NoError(t, cl.StillHere(ctx(t)))
	assert.Equal(t, http.StatusOK, rawDo(t, srv.Path, "POST", "/v1/still-here", "").status, "no body needed")
	ans := rawDo(t, srv.Path, "GET", "/v1/still-here", "")
	assert.Equal(t, http.StatusMethodNotAllowed, ans.status)
	assert.Equal(t, []localapitest.Call{{Method: "StillHere"}, {Method: "StillHere"}}, ctl.Calls())

	ctl.RefuseNext("StillHere", &localapi.Refusal{Code: localapi.RefusalUnavailable, Message: "no session is running"})
	err = cl.StillHere(ctx(t))
	var ref *localapi.Refusal
	require.True(t, errors.As(err, &ref), "want a refusal, got %v", err)
	assert.Equal(t, localapi.RefusalUnavailable, ref.Code)
}
