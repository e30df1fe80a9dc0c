package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/html"

	"piste/fleet/api"
	"piste/fleet/auth"
	"piste/fleet/hub"
	"piste/fleet/overview"
	"piste/fleet/protocol"
	"piste/fleet/store"
	"piste/fleet/web"
	"piste/fleet/web/i18n"
)

// fleet is an in-process fleet with the pages mounted, on a real listener.
type fleet struct {
	srv   *httptest.Server
	store *store.Store
	api   *api.API
}

func newFleet(t *testing.T) *fleet {
	t.Helper()
	st, err := store.Open(t.TempDir())
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	log := slog.New(slog.DiscardHandler)
	h := hub.New(st, hub.Config{}, hub.NewMetrics(prometheus.NewRegistry()), log)
	a := api.New(st, h, log)
	mux := http.NewServeMux()
	a.Register(mux)
	web.Register(mux, web.Services{Staff: a.Staff, Terminals: a.Terminals, GuestPasses: a.GuestPasses,
		Alerts: a.Alerts, Overview: overview.New(st)}, log)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	ctx := context.Background()
	for _, b := range []string{"kallio", "toolo"} {
		require.NoError(t, st.AddBranch(ctx, store.Branch{ID: b, Name: strings.ToUpper(b[:1]) + b[1:] + " library", TZ: "Europe/Helsinki"}))
	}
	return &fleet{srv: srv, store: st, api: a}
}

// login creates a user and returns a client holding its session cookie.
func (f *fleet) login(t *testing.T, name, role, branch string) *http.Client {
	t.Helper()
	hash, err := auth.HashPassword("correct horse battery")
	require.NoError(t, err)
	require.NoError(t, f.store.AddUser(context.Background(), store.User{Name: name, Role: role, Branches: store.OneBranch(branch), PWHash: hash}))
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	// These tests read the English texts; TestPageLanguage tries the others.
	u, _ := url.Parse(f.srv.URL)
	jar.SetCookies(u, []*http.Cookie{{Name: i18n.Cookie, Value: "en"}})
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	body := fmt.Sprintf(`{"name":%q,"password":"correct horse battery","cookie":true}`, name)
	res, err := c.Post(f.srv.URL+"/api/v1/auth/login", "application/json", strings.NewReader(body))
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	return c
}

// addTerminal enrolls a terminal and stores one health report for it.
func (f *fleet) addTerminal(t *testing.T, branch, name string, cpu float64) store.Terminal {
	t.Helper()
	ctx := context.Background()
	code, err := api.NewEnrollCode(ctx, f.store, branch, 1, time.Hour)
	require.NoError(t, err)
	term, err := f.store.Enroll(ctx, auth.HashToken(auth.NormalizeCode(code)), store.Terminal{
		ID: "t-" + name, Name: name, Kind: "pc", TokenHash: auth.HashToken(auth.NewToken()), AgentVersion: "1.2.3",
	}, time.Now())
	require.NoError(t, err)
	data, _ := json.Marshal(protocol.Health{CPUPercent: cpu, MemUsedPercent: 40, DiskUsedPercent: 55, UptimeSeconds: 3*86400 + 4*3600})
	_, err = f.store.Ingest(ctx, []store.Incoming{{TerminalID: term.ID, ReceivedAt: time.Now(),
		Event: protocol.Event{Epoch: "e1", Seq: 1, Kind: protocol.EventHealth, At: time.Now(), Data: data}}})
	require.NoError(t, err)
	return term
}

func get(t *testing.T, c *http.Client, url string) (*http.Response, string) {
	t.Helper()
	res, err := c.Get(url)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res, string(b)
}

func TestLoggedOutGoesToLogin(t *testing.T) {
	f := newFleet(t)
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	cases := []struct{ path, want string }{
		{"/", "/login"},
		{"/?status=offline", "/login?next=%2F%3Fstatus%3Doffline"},
		{"/terminals/t-1", "/login?next=%2Fterminals%2Ft-1"},
		{"/no/such/page", "/login?next=%2Fno%2Fsuch%2Fpage"},
	}
	for _, tc := range cases {
		t.Run(tc.path, func(t *testing.T) {
			res, _ := get(t, c, f.srv.URL+tc.path)
			assert.Equal(t, http.StatusSeeOther, res.StatusCode)
			assert.Equal(t, tc.want, res.Header.Get("Location"))
		})
	}
	res, body := get(t, c, f.srv.URL+"/login?next=/terminals/t-1")
	assert.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, body, `data-next="/terminals/t-1"`)
	assert.Contains(t, body, `<label for="login-password">`)
}

func TestLoginPostWithoutScriptExplains(t *testing.T) {
	f := newFleet(t)
	res, err := http.PostForm(f.srv.URL+"/login", map[string][]string{"name": {"a"}, "password": {"b"}})
	require.NoError(t, err)
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	assert.Equal(t, http.StatusBadRequest, res.StatusCode)
	assert.Contains(t, string(b), i18n.Catalog.T("fi", "staff.login.needs_js"), "a browser that states no language gets Finnish")
	assert.Contains(t, string(b), "JavaScript")
}

func TestListShowsTerminalsAndFilters(t *testing.T) {
	f := newFleet(t)
	f.addTerminal(t, "kallio", "kallio-pc-01", 12.4)
	f.addTerminal(t, "toolo", "toolo-pc-01", 88)
	c := f.login(t, "ada", api.RoleAdmin, "")

	res, body := get(t, c, f.srv.URL+"/")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, body, "kallio-pc-01")
	assert.Contains(t, body, "toolo-pc-01")
	assert.Contains(t, body, "12 %")
	assert.Contains(t, body, "3 d 4 h")
	assert.Contains(t, body, `<span class="badge st-offline">Offline</span>`)

	_, body = get(t, c, f.srv.URL+"/?branch=toolo")
	assert.NotContains(t, body, "kallio-pc-01</a>")
	assert.Contains(t, body, "toolo-pc-01</a>")
	assert.Contains(t, body, `<option value="toolo" selected>`)

	_, body = get(t, c, f.srv.URL+"/?status=online")
	assert.NotContains(t, body, "pc-01</a>", "both terminals are offline: nothing has connected")
	assert.Contains(t, body, `id="empty" class="empty">`, "the empty-state text shows")
}

func TestBranchAdminSeesOnlyTheirBranch(t *testing.T) {
	f := newFleet(t)
	f.addTerminal(t, "kallio", "kallio-pc-01", 10)
	other := f.addTerminal(t, "toolo", "toolo-pc-01", 10)
	c := f.login(t, "kim", api.RoleAdmin, "kallio")

	_, body := get(t, c, f.srv.URL+"/")
	assert.Contains(t, body, "kallio-pc-01")
	assert.NotContains(t, body, "toolo-pc-01")
	assert.NotContains(t, body, `value="toolo"`, "branch filter offers only the user's branch")

	res, _ := get(t, c, f.srv.URL+"/terminals/"+other.ID)
	assert.Equal(t, http.StatusNotFound, res.StatusCode)
}

func TestDetailPage(t *testing.T) {
	f := newFleet(t)
	term := f.addTerminal(t, "kallio", "kallio-pc-01", 33)
	c := f.login(t, "ada", api.RoleAdmin, "")

	res, body := get(t, c, f.srv.URL+"/terminals/"+term.ID)
	require.Equal(t, http.StatusOK, res.StatusCode)
	for _, want := range []string{"kallio-pc-01", `data-id="` + term.ID + `"`, "33 %", "1.2.3", `id="command-form"`,
		`<option value="wipe" data-confirm="true">`, `id="revoke"`, `<label for="c-ttl">`} {
		assert.Contains(t, body, want)
	}

	res, _ = get(t, c, f.srv.URL+"/terminals/t-nope")
	assert.Equal(t, http.StatusNotFound, res.StatusCode)

	require.NoError(t, f.store.RevokeTerminal(context.Background(), term.ID, time.Now()))
	_, body = get(t, c, f.srv.URL+"/terminals/"+term.ID)
	assert.Contains(t, body, "This terminal is revoked")
	assert.NotContains(t, body, `id="command-form"`)
	_, body = get(t, c, f.srv.URL+"/?revoked="+term.ID)
	assert.Contains(t, body, "Terminal kallio-pc-01 was revoked")
	assert.NotContains(t, body, "kallio-pc-01</a>", "a revoked terminal leaves the list")
}

func TestOtherRolesGetAPlainPage(t *testing.T) {
	f := newFleet(t)
	term := f.addTerminal(t, "kallio", "kallio-pc-01", 33)
	for _, role := range []string{api.RoleVolunteer, api.RoleEditor} {
		t.Run(role, func(t *testing.T) {
			c := f.login(t, "u-"+role, role, "kallio")
			for _, path := range []string{"/", "/terminals/" + term.ID} {
				res, body := get(t, c, f.srv.URL+path)
				home := map[string]string{api.RoleVolunteer: "/help", api.RoleEditor: "/signage"}[role]
				if path == "/" {
					assert.Equal(t, http.StatusSeeOther, res.StatusCode, "the role's home is its own page")
					assert.Equal(t, home, res.Header.Get("Location"))
					continue
				}
				assert.Equal(t, http.StatusForbidden, res.StatusCode)
				assert.Contains(t, body, "This page is not for your role")
				assert.Contains(t, body, `<li><a href="`+home+`">`, "the page links the role's own page")
				assert.NotContains(t, body, "kallio-pc-01")
			}
		})
	}
}

func TestLogout(t *testing.T) {
	f := newFleet(t)
	c := f.login(t, "ada", api.RoleAdmin, "")
	res, err := c.Post(f.srv.URL+"/logout", "", nil)
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusSeeOther, res.StatusCode)
	assert.Equal(t, "/login", res.Header.Get("Location"))
	res, _ = get(t, c, f.srv.URL+"/")
	assert.Equal(t, http.StatusSeeOther, res.StatusCode, "the old cookie no longer logs in")
}

// TestPagesHoldUnderStrictCSP parses every page and refuses what a strict
// Content-Security-Policy would block: inline scripts, inline styles,
// event-handler attributes and javascript: links.
func TestPagesHoldUnderStrictCSP(t *testing.T) {
	f := newFleet(t)
	term := f.addTerminal(t, "kallio", "kallio-pc-01", 33)
	admin := f.login(t, "ada", api.RoleAdmin, "")
	volunteer := f.login(t, "val", api.RoleVolunteer, "")
	pages := []struct {
		name string
		c    *http.Client
		path string
	}{
		{"login", http.DefaultClient, "/login"},
		{"list", admin, "/?branch=kallio&q=pc"},
		{"detail", admin, "/terminals/" + term.ID},
		{"not found", admin, "/nothing"},
		{"no admin", volunteer, "/"},
	}
	for _, p := range pages {
		t.Run(p.name, func(t *testing.T) {
			_, body := get(t, p.c, f.srv.URL+p.path)
			assertNoInlineCode(t, body)
		})
	}
}

func assertNoInlineCode(t *testing.T, page string) {
	t.Helper()
	z := html.NewTokenizer(strings.NewReader(page))
	inScript := false
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			require.ErrorIs(t, z.Err(), io.EOF)
			return
		case html.TextToken:
			if inScript {
				assert.Empty(t, strings.TrimSpace(string(z.Text())), "inline script")
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			// A JSON data block (the page's texts) is not code; CSP lets
			// it be, and so does this check.
			inScript = tok.Data == "script" && !isDataBlock(tok)
			assert.NotEqual(t, "style", tok.Data, "inline <style> element")
			hasSrc := false
			for _, a := range tok.Attr {
				assert.NotEqual(t, "style", a.Key, "style attribute on <%s>", tok.Data)
				assert.False(t, strings.HasPrefix(a.Key, "on"), "event handler %s on <%s>", a.Key, tok.Data)
				assert.False(t, strings.HasPrefix(strings.TrimSpace(strings.ToLower(a.Val)), "javascript:"), "javascript: URL")
				hasSrc = hasSrc || a.Key == "src"
			}
			if inScript {
				assert.True(t, hasSrc, "script without src")
			}
		case html.EndTagToken:
			inScript = false
		}
	}
}

func isDataBlock(tok html.Token) bool {
	for _, a := range tok.Attr {
		if a.Key == "type" && a.Val == "application/json" {
			return true
		}
	}
	return false
}

// shown is a page without its script texts block, which holds every text
// a script may show: what the page shows now is the rest.
func shown(page string) string {
	start := strings.Index(page, `<script type="application/json" id="texts">`)
	if start < 0 {
		return page
	}
	end := strings.Index(page[start:], "</script>")
	return page[:start] + page[start+end+len("</script>"):]
}

func TestStaticAssets(t *testing.T) {
	f := newFleet(t)
	_, body := get(t, http.DefaultClient, f.srv.URL+"/login")
	start := strings.Index(body, `href="/static/app.css?v=`)
	require.GreaterOrEqual(t, start, 0)
	href := body[start+len(`href="`):]
	href = href[:strings.IndexByte(href, '"')]
	cases := []struct{ path, ctype, cache string }{
		{href, "text/css", "immutable"},
		{"/static/terminals.js", "javascript", "no-cache"},
	}
	for _, tc := range cases {
		res, content := get(t, http.DefaultClient, f.srv.URL+tc.path)
		assert.Equal(t, http.StatusOK, res.StatusCode, tc.path)
		assert.Contains(t, res.Header.Get("Content-Type"), tc.ctype, tc.path)
		assert.Contains(t, res.Header.Get("Cache-Control"), tc.cache, tc.path)
		assert.NotEmpty(t, content)
	}
	res, _ := get(t, http.DefaultClient, f.srv.URL+"/static/nope.js")
	assert.Equal(t, http.StatusNotFound, res.StatusCode)
}

// The pages speak the language asked for by ?lang= (and remember it), else
// the browser's, and link the same page in the others.
func TestPageLanguage(t *testing.T) {
	f := newFleet(t)
	c := f.login(t, "ada", "admin", "")
	u, _ := url.Parse(f.srv.URL)
	c.Jar.SetCookies(u, []*http.Cookie{{Name: i18n.Cookie, Value: "", MaxAge: -1}}) // login set English
	req, err := http.NewRequest(http.MethodGet, f.srv.URL+"/guest-passes", nil)
	require.NoError(t, err)
	req.Header.Set("Accept-Language", "sv-FI,sv;q=0.9")
	res, err := c.Do(req)
	require.NoError(t, err)
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	assert.Contains(t, string(b), `<html lang="sv">`)
	assert.Contains(t, string(b), "Logga ut")
	assert.Contains(t, string(b), `href="?lang=fi"`)

	_, body := get(t, c, f.srv.URL+"/guest-passes?lang=en")
	assert.Contains(t, body, `<html lang="en">`)
	assert.Contains(t, body, ">Log out<")
	_, body = get(t, c, f.srv.URL+"/guest-passes")
	assert.Contains(t, body, `<html lang="en">`, "the chosen language is remembered")
}

// Every {{t "key"}} in the templates names a text the catalogue has, so a
// typo shows in a test and not as a key on a page.
func TestTemplatesUseKnownTexts(t *testing.T) {
	keys := templateKeys(t)
	require.NotEmpty(t, keys)
	for _, k := range keys {
		assert.True(t, i18n.Catalog.Has("en", k), "a template uses %q, which no catalogue file has", k)
	}
}
