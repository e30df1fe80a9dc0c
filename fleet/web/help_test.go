package web_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"piste/fleet/api"
	"piste/fleet/help"
	"piste/fleet/hub"
	"piste/fleet/store"
	"piste/fleet/web"
	"piste/policies/policy"
)

type shippedPolicy struct{}

func (shippedPolicy) Effective(context.Context, store.Terminal) (policy.Policy, error) {
	p := policy.Defaults()
	p.Help.Topics = append(p.Help.Topics, "library-app")
	return p, nil
}

// newHelpFleet is newFleet with digital support wired in.
func newHelpFleet(t *testing.T) *fleet {
	t.Helper()
	st, err := store.Open(t.TempDir())
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	log := slog.New(slog.DiscardHandler)
	h := hub.New(st, hub.Config{}, hub.NewMetrics(prometheus.NewRegistry()), log)
	a := api.New(st, h, log)
	a.Help = help.New(st, shippedPolicy{}, h, a.Changes, a.Audit, log)
	mux := http.NewServeMux()
	a.Register(mux)
	web.Register(mux, web.Services{Staff: a.Staff, Terminals: a.Terminals, GuestPasses: a.GuestPasses, Help: a.Help}, log)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	for _, b := range []string{"kallio", "toolo"} {
		require.NoError(t, st.AddBranch(context.Background(), store.Branch{ID: b, Name: b, TZ: "Europe/Helsinki"}))
	}
	return &fleet{srv: srv, store: st, api: a}
}

func TestHelpPagesByRole(t *testing.T) {
	f := newHelpFleet(t)
	vol := f.login(t, "vera", api.RoleVolunteer, "kallio")
	admin := f.login(t, "ada", api.RoleAdmin, "")
	editor := f.login(t, "edd", api.RoleEditor, "kallio")

	res, body := get(t, vol, f.srv.URL+"/help?lang=en")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, body, `id="queue"`)
	assert.Contains(t, body, `"library-app"`, "the page offers the branch policy's topics")
	assert.Contains(t, body, `"branches":["kallio"]`)
	assert.Contains(t, body, `src="/static/help.js`)
	assert.Contains(t, body, `href="/help">Help requests</a>`, "the nav links the queue")
	assert.NotContains(t, body, `href="/help/stats"`, "statistics are for admins")
	res, _ = get(t, vol, f.srv.URL+"/help/stats")
	assert.Equal(t, http.StatusForbidden, res.StatusCode)

	res, body = get(t, editor, f.srv.URL+"/help")
	assert.Equal(t, http.StatusForbidden, res.StatusCode)
	assert.NotContains(t, body, `id="queue"`)

	res, body = get(t, admin, f.srv.URL+"/help/stats?lang=fi")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, body, "Digituen tilastot")
	assert.Contains(t, body, `src="/static/helpstats.js`)
	res, body = get(t, admin, f.srv.URL+"/help?lang=sv")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, body, "Digitalt stöd")

	for _, page := range []string{"/help", "/help/stats"} {
		_, body = get(t, admin, f.srv.URL+page)
		assert.NotContains(t, body, " style=", "no inline style (strict CSP)")
		assert.NotRegexp(t, `<script>|<script type="text/javascript">`, body, "no inline script")
		assert.NotRegexp(t, ` on[a-z]+=`, strings.ToLower(body), "no inline handlers")
	}
	res, body = get(t, admin, f.srv.URL+"/static/help.js")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.NotContains(t, body, "innerHTML", "the queue sets text, never markup")
}
