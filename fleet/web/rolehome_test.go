package web_test

import (
	"context"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"piste/fleet/api"
	"piste/fleet/auth"
	"piste/fleet/web/i18n"
)

// relogin logs an existing account in again, e.g. after a password reset
// ended its logins.
func (f *fleet) relogin(t *testing.T, name, password string) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	u, _ := url.Parse(f.srv.URL)
	jar.SetCookies(u, []*http.Cookie{{Name: i18n.Cookie, Value: "en"}})
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.Post(f.srv.URL+"/api/v1/auth/login", "application/json",
		strings.NewReader(`{"name":"`+name+`","password":"`+password+`","cookie":true}`))
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	return c
}

func TestHomeAndPagesByRole(t *testing.T) {
	f := newHelpFleet(t)
	vol := f.login(t, "vera", api.RoleVolunteer, "kallio")
	editor := f.login(t, "edd", api.RoleEditor, "kallio")

	for _, tc := range []struct {
		who  *http.Client
		home string
	}{{vol, "/help"}, {editor, "/signage"}} {
		res, _ := get(t, tc.who, f.srv.URL+"/")
		assert.Equal(t, http.StatusSeeOther, res.StatusCode)
		assert.Equal(t, tc.home, res.Header.Get("Location"))
	}

	// A page of another role links the pages the role has, and only those.
	res, body := get(t, editor, f.srv.URL+"/help")
	assert.Equal(t, http.StatusForbidden, res.StatusCode)
	assert.Contains(t, body, `<li><a href="/signage">Info screens</a></li>`)
	assert.NotContains(t, body, `<li><a href="/help">`)
	res, body = get(t, editor, f.srv.URL+"/policies")
	assert.Equal(t, http.StatusForbidden, res.StatusCode)
	assert.Contains(t, body, `<li><a href="/signage">`)
	res, body = get(t, vol, f.srv.URL+"/signage?lang=fi")
	assert.Equal(t, http.StatusForbidden, res.StatusCode)
	assert.Contains(t, body, `<li><a href="/help">`)
	assert.NotContains(t, body, `<li><a href="/signage">`)
	assert.Contains(t, body, "Roolisi sivut")
}

func TestResetPasswordFirstOnEveryStaffPage(t *testing.T) {
	f := newHelpFleet(t)
	f.login(t, "vera", api.RoleVolunteer, "kallio")
	f.login(t, "edd", api.RoleEditor, "kallio")
	f.login(t, "ada", api.RoleAdmin, "")
	hash, err := auth.HashPassword("a reset password")
	require.NoError(t, err)
	ctx := context.Background()
	for _, name := range []string{"vera", "edd", "ada"} {
		require.NoError(t, f.store.SetUserPassword(ctx, name, hash, true))
	}
	for name, pages := range map[string][]string{
		"vera": {"/", "/help", "/signage"},
		"edd":  {"/", "/signage", "/signage/preview/x", "/help"},
		"ada":  {"/", "/help", "/help/stats", "/signage"},
	} {
		c := f.relogin(t, name, "a reset password")
		for _, page := range pages {
			res, _ := get(t, c, f.srv.URL+page)
			assert.Equal(t, http.StatusSeeOther, res.StatusCode, "%s %s", name, page)
			assert.Equal(t, "/password", res.Header.Get("Location"), "%s %s", name, page)
		}
		res, _ := get(t, c, f.srv.URL+"/password")
		assert.Equal(t, http.StatusOK, res.StatusCode, "%s may change the password", name)
	}
}
