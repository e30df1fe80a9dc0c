package browser

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"piste/fleet/api"
	"piste/fleet/store"
)

// fetchStatus makes a same-origin JSON API call from the page, as its
// scripts do, and returns the HTTP status.
func fetchStatus(t *testing.T, ctx context.Context, method, path, body string) int {
	t.Helper()
	js := `fetch(` + jsString(path) + `, {method: ` + jsString(method) + `, credentials: 'same-origin',
		headers: {'Content-Type': 'application/json'}` + map[bool]string{true: ``, false: `, body: ` + jsString(body)}[body == ""] + `}).then(r => r.status)`
	status, err := chromedp.Run(ctx, chromedp.Evaluate[int](js, chromedp.EvalAsValue, chromedp.EvalAwaitPromise))
	require.NoError(t, err, "%s %s", method, path)
	return status
}

func jsString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `'`, `\'`, "\n", `\n`)
	return `'` + r.Replace(s) + `'`
}

// waitAfterNav is waitJS across a reload or navigation the page's script
// starts: errors while the old page goes away are retried.
func waitAfterNav(t *testing.T, ctx context.Context, expr, what string) {
	t.Helper()
	require.Eventually(t, func() bool {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.readyState === 'complete' && (`+expr+`)`))
		return err == nil && ok
	}, 15*time.Second, 50*time.Millisecond, "waiting for %s (%s)", what, expr)
}

// login opens a private tab and logs a member in.
func loginTab(t *testing.T, browser context.Context, base, name, pw string) (context.Context, *consoleLog) {
	t.Helper()
	ctx, console := newTab(t, browser)
	do(t, ctx, chromedp.Navigate(base+"/login?lang=en"))
	submitLogin(t, ctx, name, pw)
	require.Eventually(t, func() bool {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`location.pathname !== '/login' && document.readyState === 'complete'`))
		return err == nil && ok
	}, 10*time.Second, 50*time.Millisecond, "%s logged in", name)
	return ctx, console
}

// The admin console in a real browser: a policy edit with an error shows
// the validator's message at its line; a clean one applies after a diff
// preview; rollback restores an earlier version; the effective policy
// names the layer of each key; staff management (add, first login, reset,
// disable); the audit log's filters; and branch admins stay within their
// branches on every new page.
func TestAdminConsole(t *testing.T) {
	browser := newBrowser(t)
	srv := startFleet(t)
	addBranch(t, srv, "kallio", "Kallio library")
	addBranch(t, srv, "toolo", "Töölö library")
	addUser(t, srv, "ada", api.RoleAdmin, "")
	addUser(t, srv, "kim", api.RoleAdmin, "kallio")
	addUser(t, srv, "olli", api.RoleVolunteer, "toolo")
	pc := enrollAgent(t, srv, "kallio", "kallio-pc-01", "pc")
	toolo := enrollAgent(t, srv, "toolo", "toolo-pc-01", "pc")
	base := srv.URL

	ada, adaConsole := loginTab(t, browser, base, "ada", password)
	ctx := context.Background()
	stored := func(scope string) string {
		layers, err := srv.Store.PolicyLayersFor(ctx, scope)
		require.NoError(t, err)
		return layers[scope].YAML
	}
	preview := func(yaml string) {
		t.Helper()
		do(t, ada, chromedp.SetValue(chromedp.ID("yaml"), yaml),
			chromedp.Evaluate[chromedp.Void](`document.getElementById('policy-status').textContent = ''`),
			chromedp.Click(chromedp.ID("preview")))
		waitJS(t, ada, `document.getElementById('policy-status').textContent !== ''`, "preview answered")
	}
	openEditor := func() {
		t.Helper()
		do(t, ada, chromedp.Navigate(base+"/policies?scope=branch:kallio"), chromedp.WaitVisible(chromedp.ID("yaml")))
	}

	steps := []struct {
		name string
		fn   func(t *testing.T)
	}{
		{"a policy edit with an error shows the validator's message at its line", func(t *testing.T) {
			openEditor()
			preview("session:\n  max_minutes: 45\n  warn_minuts: [5]\nwipe:\n  grace_seconds: 99\n")
			waitJS(t, ada, `document.querySelector('#line-3 .problem') !== null`, "problem at line 3")
			assert.Contains(t, text(t, ada, "#line-3 .problem"), "line 3: unknown key session.warn_minuts (did you mean session.warn_minutes?)")
			assert.Contains(t, text(t, ada, "#line-5 .problem"), "line 5: wipe.grace_seconds must be between 0 and 60, got 99")
			screenshot(t, ada, "admin-policy-problems.png")
			assertNoInlineCode(t, ada)
			none, err := chromedp.Run(ada, chromedp.Evaluate[bool](`document.querySelector('#line-2 .problem') === null && document.querySelector('#line-4 .problem') === null`))
			require.NoError(t, err)
			assert.True(t, none, "lines without problems carry none")
			disabled, err := chromedp.Run(ada, chromedp.Evaluate[bool](`document.getElementById('apply').disabled`))
			require.NoError(t, err)
			assert.True(t, disabled, "a layer with problems cannot be applied")
			assert.Equal(t, "", stored("branch:kallio"), "nothing stored")
		}},
		{"a clean edit shows the diff and applies", func(t *testing.T) {
			preview("session:\n  max_minutes: 45\n")
			assert.Contains(t, text(t, ada, "#policy-diff-list"), "+ session.max_minutes: 45")
			do(t, ada, chromedp.Click(chromedp.ID("apply")))
			waitAfterNav(t, ada, `document.querySelectorAll('#versions tbody tr').length === 1`, "version 1 listed")
			preview("session:\n  max_minutes: 30\n")
			assert.Contains(t, text(t, ada, "#policy-diff-list"), "session.max_minutes: 45 -> 30")
			do(t, ada, chromedp.Click(chromedp.ID("apply")))
			waitAfterNav(t, ada, `document.querySelectorAll('#versions tbody tr').length === 2`, "version 2 listed")
			assert.Equal(t, "session:\n  max_minutes: 30\n", stored("branch:kallio"))
			assert.Contains(t, text(t, ada, `#versions tr[data-version="2"]`), "ada")
		}},
		{"rollback restores the earlier version", func(t *testing.T) {
			do(t, ada, chromedp.Click(chromedp.CSS(`button.rollback[data-version="1"]`)),
				chromedp.WaitVisible(chromedp.CSS(".confirm-yes")), chromedp.Click(chromedp.CSS(".confirm-yes")))
			waitAfterNav(t, ada, `document.querySelectorAll('#versions tbody tr').length === 3`, "version 3 listed")
			assert.Equal(t, "session:\n  max_minutes: 45\n", stored("branch:kallio"), "version 1's layer is in force again")
			assert.Contains(t, text(t, ada, `#versions tr[data-version="3"]`), "roll-back to version 1")
			screenshot(t, ada, "admin-policy-history.png")
			value, err := chromedp.Run(ada, chromedp.Value(chromedp.ID("yaml")))
			require.NoError(t, err)
			assert.Equal(t, "session:\n  max_minutes: 45\n", value, "the editor shows the restored layer")
		}},
		{"the effective policy names the layer of each key", func(t *testing.T) {
			do(t, ada, chromedp.Navigate(base+"/policies/effective?terminal="+pc.ID), chromedp.WaitVisible(chromedp.ID("effective")))
			assert.Contains(t, text(t, ada, `#effective tr[data-key="session.max_minutes"]`), "45")
			assert.Equal(t, "branch:kallio", text(t, ada, `#effective tr[data-key="session.max_minutes"] .set-by`))
			assert.Equal(t, "shipped default", text(t, ada, `#effective tr[data-key="wipe.grace_seconds"] .set-by`))
			assertNoInlineCode(t, ada)
		}},
		{"staff: add, first login chooses a password, reset, disable", func(t *testing.T) {
			do(t, ada, chromedp.Navigate(base+"/staff"), chromedp.WaitVisible(chromedp.ID("staff-add")),
				chromedp.SetValue(chromedp.ID("new-name"), "nina"),
				chromedp.SetValue(chromedp.ID("new-role"), "volunteer"),
				chromedp.Click(chromedp.CSS(`#staff-add input[value="kallio"]`)),
				chromedp.Click(chromedp.CSS(`#staff-add button[type=submit]`)))
			waitJS(t, ada, `document.getElementById('staff-status').textContent.indexOf('One-time password') === 0`, "one-time password shown")
			screenshot(t, ada, "admin-staff.png")
			assertNoInlineCode(t, ada)
			temp := regexp.MustCompile(`[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}`).FindString(text(t, ada, "#staff-status"))
			require.NotEmpty(t, temp)

			nina, ninaConsole := loginTab(t, browser, base, "nina", temp)
			waitLocation(t, nina, base+"/password")
			do(t, nina, chromedp.SetValue(chromedp.ID("pw-current"), temp),
				chromedp.SetValue(chromedp.ID("pw-new"), "nina's own password"),
				chromedp.SetValue(chromedp.ID("pw-again"), "nina's own password"),
				chromedp.Click(chromedp.CSS(`#password-form button[type=submit]`)))
			waitLocation(t, nina, base+"/help") // a volunteer's home is the help queue
			assert.Equal(t, 200, fetchStatus(t, nina, "GET", "/api/v1/auth/me", ""))

			do(t, ada, chromedp.Navigate(base+"/staff"), chromedp.WaitVisible(chromedp.CSS(`#staff tr[data-name="nina"]`)))
			do(t, ada, chromedp.Click(chromedp.CSS(`#staff tr[data-name="nina"] button.reset`)))
			waitJS(t, ada, `document.querySelector('#staff tr[data-name="nina"] button.reset').textContent.indexOf('Reset the password of nina') === 0`, "reset asks first")
			do(t, ada, chromedp.Click(chromedp.CSS(`#staff tr[data-name="nina"] button.reset`)))
			waitJS(t, ada, `document.getElementById('staff-status').textContent.indexOf('One-time password for nina') === 0`, "reset shows a one-time password")
			assert.Equal(t, 401, fetchStatus(t, nina, "GET", "/api/v1/auth/me", ""), "a reset ends the member's logins")

			do(t, ada, chromedp.Navigate(base+"/staff"), chromedp.WaitVisible(chromedp.CSS(`#staff tr[data-name="nina"]`)))
			assert.Contains(t, text(t, ada, `#staff tr[data-name="nina"] .status`), "must choose a new password")
			do(t, ada, chromedp.Click(chromedp.CSS(`#staff tr[data-name="nina"] button.disable`)),
				chromedp.Click(chromedp.CSS(`#staff tr[data-name="nina"] button.disable`)))
			waitAfterNav(t, ada, `document.querySelector('#staff tr[data-name="nina"] .status') && document.querySelector('#staff tr[data-name="nina"] .status').textContent.indexOf('disabled') === 0`, "nina disabled")
			user, err := srv.Store.UserByName(ctx, "nina")
			require.NoError(t, err)
			assert.True(t, user.Disabled)
			assert.Empty(t, ninaConsole.errors("401", "403"), "nina's page had script errors (a volunteer's / is the 403 page)")
		}},
		{"the audit log filters", func(t *testing.T) {
			do(t, ada, chromedp.Navigate(base+"/audit?action=password-*"), chromedp.WaitVisible(chromedp.ID("audit")))
			list := text(t, ada, "#audit tbody")
			assert.Contains(t, list, "password-reset")
			assert.Contains(t, list, "password-change")
			assert.NotContains(t, list, "user-disable", "filtered by action")
			do(t, ada, chromedp.Navigate(base+"/audit?actor=ada&action=policy-rollback"), chromedp.WaitVisible(chromedp.ID("audit")))
			assert.Contains(t, text(t, ada, "#audit tbody"), "to version 1")
		}},
		{"a branch admin stays within its branches", func(t *testing.T) {
			kim, kimConsole := loginTab(t, browser, base, "kim", password)
			do(t, kim, chromedp.Navigate(base+"/policies"), chromedp.WaitVisible(chromedp.ID("yaml")))
			scopes, err := chromedp.Run(kim, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('#scope option'), o => o.value)`))
			require.NoError(t, err)
			assert.Equal(t, []string{"branch:kallio"}, scopes, "no fleet layer, no other branch")
			for _, path := range []string{"/policies?scope=branch:toolo", "/policies?scope=fleet", "/policies/effective?terminal=" + toolo.ID} {
				resp, err := chromedp.RunResponse(kim, chromedp.Navigate(base+path))
				require.NoError(t, err)
				assert.Contains(t, []int64{403, 404}, resp.Status, "%s", path)
			}
			assert.Equal(t, 403, fetchStatus(t, kim, "POST", "/api/v1/policies/branch:toolo/rollback", `{"version":1}`))
			assert.Equal(t, 403, fetchStatus(t, kim, "GET", "/api/v1/policies/fleet/versions", ""))
			assert.Equal(t, 404, fetchStatus(t, kim, "POST", "/api/v1/staff/olli/disable", ""), "another branch's staff are not there")
			assert.Equal(t, 400, fetchStatus(t, kim, "POST", "/api/v1/staff", `{"name":"x1","role":"admin","branches":["toolo"]}`))
			assert.Equal(t, 403, fetchStatus(t, kim, "POST", "/api/v1/staff", `{"name":"x2","role":"admin","branches":[]}`), "no fleet-wide accounts")
			do(t, kim, chromedp.Navigate(base+"/staff"), chromedp.WaitVisible(chromedp.ID("staff")))
			listed := text(t, kim, "#staff tbody")
			assert.Contains(t, listed, "kim")
			assert.NotContains(t, listed, "olli")
			assert.NotContains(t, listed, "ada")
			do(t, kim, chromedp.Navigate(base+"/measures"), chromedp.WaitVisible(chromedp.ID("measures")))
			assert.NotContains(t, text(t, kim, "#measures"), "toolo")
			require.NoError(t, srv.Store.Audit(ctx, store.AuditEntry{Actor: "ada", Action: "policy-apply", Target: "branch:toolo", Detail: "toolo's own change"}))
			do(t, kim, chromedp.Navigate(base+"/audit"), chromedp.WaitVisible(chromedp.ID("audit")))
			assert.NotContains(t, text(t, kim, "#audit tbody"), "toolo's own change", "another branch's entries are not shown")
			assert.Contains(t, text(t, kim, "#audit tbody"), "policy-rollback", "its own branch's are")
			do(t, kim, chromedp.Navigate(base+"/power"), chromedp.WaitVisible(chromedp.ID("schedules")))
			assert.NotContains(t, text(t, kim, "#schedules"), "Töölö")
			assert.Equal(t, 403, fetchStatus(t, kim, "PUT", "/api/v1/branches/toolo/hours/2099-12-24", `{"hours":"closed"}`))
			assert.Empty(t, kimConsole.errors("403", "404", "400"))

			vol, _ := loginTab(t, browser, base, "olli", password)
			assert.Equal(t, 403, fetchStatus(t, vol, "GET", "/api/v1/staff", ""))
			assert.Equal(t, 403, fetchStatus(t, vol, "GET", "/api/v1/measures", ""))
		}},
		{"exceptional hours for one date, on the power page", func(t *testing.T) {
			do(t, ada, chromedp.Navigate(base+"/power"), chromedp.WaitVisible(chromedp.ID("day-hours")),
				chromedp.SetValue(chromedp.ID("dh-branch"), "kallio"),
				chromedp.SetValue(chromedp.ID("dh-date"), "2099-12-24"),
				chromedp.SetValue(chromedp.ID("dh-hours"), "9-14"),
				chromedp.Click(chromedp.CSS(`#day-hours button[type=submit]`)))
			waitJS(t, ada, `document.getElementById('power-status').textContent !== ''`, "a bad time refused")
			assert.Contains(t, text(t, ada, "#power-status"), `"9" is not a time of day`)
			do(t, ada, chromedp.SetValue(chromedp.ID("dh-hours"), "closed"), chromedp.SetValue(chromedp.ID("dh-note"), "Christmas Eve"),
				chromedp.Click(chromedp.CSS(`#day-hours button[type=submit]`)))
			waitAfterNav(t, ada, `document.querySelector('#schedules tr[data-branch="kallio"] .exceptions') && document.querySelector('#schedules tr[data-branch="kallio"] .exceptions').textContent.indexOf('2099-12-24: closed (Christmas Eve)') >= 0`, "the date listed")
			assert.Contains(t, stored("branch:kallio"), "{date: 2099-12-24, hours: \"closed\", note: \"Christmas Eve\"}")
			do(t, ada, chromedp.Click(chromedp.CSS(`#schedules tr[data-branch="kallio"] button.wake`)))
			waitJS(t, ada, `document.getElementById('power-status').textContent.indexOf('No PC of the branch is off') === 0`, "nobody to wake")
			assertNoInlineCode(t, ada)
			do(t, ada, chromedp.Navigate(base+"/measures"), chromedp.WaitVisible(chromedp.ID("measures")))
			kallioMeasures := text(t, ada, `#measures tr[data-branch="kallio"]`)
			assert.NotContains(t, kallioMeasures, "not yet available", "support figures come from the help queue")
			assert.Contains(t, kallioMeasures, "0 / 0", "no help requests in kallio this month")
			assertNoInlineCode(t, ada)
		}},
		{"no script errors", func(t *testing.T) {
			var unexpected []string
			for _, e := range adaConsole.errors() {
				if !strings.Contains(e, "status of 400") || !strings.HasSuffix(e, "/api/v1/branches/kallio/hours/2099-12-24)") {
					unexpected = append(unexpected, e)
				}
			}
			assert.Empty(t, unexpected, "errors beside the refused bad hours")
		}},
	}
	for _, s := range steps {
		if !t.Run(s.name, s.fn) {
			return
		}
	}
}
