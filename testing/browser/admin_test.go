package browser

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"piste/fleet/api"
	"piste/fleet/protocol"
)

// row is one line of the terminal list as the page shows it.
type row struct {
	ID    string   `json:"id"`
	Class string   `json:"class"`
	Cells []string `json:"cells"`
}

// Columns of the list, as the page lays them out.
const (
	colPick = iota
	colName
	colBranch
	colKind
	colStatus
	colCPU
	colMem
	colDisk
	colUptime
	colAgent
	colSeen
)

func rows(t *testing.T, ctx context.Context) map[string]row {
	t.Helper()
	list, err := chromedp.Run(ctx, chromedp.Evaluate[[]row](`Array.from(document.querySelectorAll('#terminals tbody tr'),
		tr => ({id: tr.dataset.id, class: tr.className, cells: Array.from(tr.cells, c => c.textContent.trim())}))`))
	require.NoError(t, err)
	out := map[string]row{}
	for _, r := range list {
		out[r.Cells[colName]] = r
	}
	return out
}

func counts(t *testing.T, ctx context.Context) map[string]string {
	t.Helper()
	c, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]string](`Object.fromEntries(Array.from(
		document.querySelectorAll('.counts a'), a => [a.dataset.status || 'all', a.querySelector('.count-n').textContent]))`))
	require.NoError(t, err)
	return c
}

// waitJS waits until a JavaScript expression is true in the page.
func waitJS(t *testing.T, ctx context.Context, expr, what string) {
	t.Helper()
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](expr,
		chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(15*time.Second)))
	require.NoError(t, err, "waiting for %s (%s)", what, expr)
}

func do(t *testing.T, ctx context.Context, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	require.NoError(t, chromedp.Do(ctx, actions...))
}

func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	require.NoError(t, err, "text of %s", sel)
	return s
}

func location(t *testing.T, ctx context.Context) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Location())
	require.NoError(t, err)
	return s
}

// navigateByClick clicks something that leads to another page and waits
// for that page to load.
func navigateByClick(t *testing.T, ctx context.Context, sel string) {
	t.Helper()
	_, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel)))
	require.NoError(t, err, "click %s", sel)
}

// waitLocation waits for a page the script navigates to (errors while
// the old page goes away are expected and retried).
func waitLocation(t *testing.T, ctx context.Context, want string) {
	t.Helper()
	require.Eventually(t, func() bool {
		loc, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.readyState === 'complete' ? location.href : ''`))
		return err == nil && loc == want
	}, 10*time.Second, 50*time.Millisecond, "page %s", want)
}

func submitLogin(t *testing.T, ctx context.Context, name, pw string) {
	t.Helper()
	do(t, ctx,
		chromedp.WaitVisible(chromedp.ID("login-form")),
		chromedp.SetValue(chromedp.ID("login-name"), name),
		chromedp.SetValue(chromedp.ID("login-password"), pw),
		chromedp.Click(chromedp.ID("login-submit")),
	)
}

// assertNoInlineCode checks the live DOM for what a strict CSP forbids. A
// page's texts block (<script type="application/json">) is data the
// browser never runs, and the CSP allows it.
func assertNoInlineCode(t *testing.T, ctx context.Context) {
	t.Helper()
	bad, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`(() => {
		const bad = [];
		document.querySelectorAll('script:not([src]):not([type="application/json"]), style, [style]').forEach(e => bad.push(e.outerHTML.slice(0, 80)));
		document.querySelectorAll('*').forEach(e => {
			for (const a of e.attributes) if (a.name.startsWith('on')) bad.push(e.tagName + ' ' + a.name);
		});
		return bad;
	})()`))
	require.NoError(t, err)
	assert.Empty(t, bad, "inline code on %s", location(t, ctx))
}

// terminals of the scenario, by name.
type fleetAgents struct {
	pc1, pc2, screen, toolo *testAgent
}

func TestAdminPages(t *testing.T) {
	browser := newBrowser(t)
	srv := startFleet(t)
	addBranch(t, srv, "kallio", "Kallio library")
	addBranch(t, srv, "toolo", "Töölö library")
	addUser(t, srv, "ada", api.RoleAdmin, "")
	addUser(t, srv, "val", api.RoleVolunteer, "kallio")

	now := time.Now()
	ag := fleetAgents{
		pc1:    enrollAgent(t, srv, "kallio", "kallio-pc-01", "pc"),
		pc2:    enrollAgent(t, srv, "kallio", "kallio-pc-02", "pc"),
		screen: enrollAgent(t, srv, "kallio", "kallio-lobby-screen", "screen"),
		toolo:  enrollAgent(t, srv, "toolo", "toolo-pc-01", "pc"),
	}
	// A day of history for the chart: a report every 30 minutes.
	for i := 48; i > 0; i-- {
		at := now.Add(-time.Duration(i) * 30 * time.Minute)
		hour := float64(at.Hour())
		cpu := 15 + 45*math.Max(0, math.Sin((hour-8)/12*math.Pi)) + float64(i%5)*3
		ag.pc1.health(at, cpu, 35+cpu/3, 55+float64(48-i)*0.05, 3*24*time.Hour)
	}
	ag.pc1.health(now, 12.4, 41, 57.4, 3*24*time.Hour+4*time.Hour+10*time.Minute)
	ag.pc2.health(now, 35, 62, 48, 5*time.Hour+12*time.Minute)
	ag.pc2.state("active", "")
	ag.screen.health(now, 8, 30, 22, 12*24*time.Hour)
	ag.screen.state("out_of_service", "wipe could not be verified")
	ag.toolo.health(now, 5, 28, 40, 45*time.Minute)

	ctx, console := newTab(t, browser)
	base := srv.URL

	// The console listener must be able to see an error, or "no errors"
	// below would prove nothing.
	do(t, ctx, chromedp.Navigate(base+"/login"), chromedp.Evaluate[chromedp.Void](`console.error('piste-probe')`))
	console.waitFor(t, "piste-probe")
	console.forget("piste-probe")

	steps := []struct {
		name string
		fn   func(t *testing.T)
	}{
		{"logged out goes to login", func(t *testing.T) {
			do(t, ctx, chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.ID("login-form")))
			assert.Equal(t, base+"/login", location(t, ctx))
			assertNoInlineCode(t, ctx)
		}},
		{"wrong password shows an error", func(t *testing.T) {
			submitLogin(t, ctx, "ada", "not the password")
			do(t, ctx, chromedp.WaitVisible(chromedp.ID("login-error")))
			assert.Contains(t, text(t, ctx, "#login-error"), "Wrong name or password")
			assert.Equal(t, base+"/login", location(t, ctx))
		}},
		{"rate limit shows the wait", func(t *testing.T) {
			// Four more failures for this name from this address reach
			// the limit of five.
			for i := 0; i < 4; i++ {
				res, err := http.Post(base+"/api/v1/auth/login", "application/json",
					strings.NewReader(`{"name":"ada","password":"guess-guess"}`))
				require.NoError(t, err)
				res.Body.Close()
				require.Equal(t, http.StatusUnauthorized, res.StatusCode)
			}
			submitLogin(t, ctx, "ada", password)
			waitJS(t, ctx, `document.getElementById('login-error').textContent.includes('Too many failed logins')`, "rate-limit text")
			assert.Regexp(t, `Wait \d+ minutes`, text(t, ctx, "#login-error"))
			disabled, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById('login-submit').disabled`))
			require.NoError(t, err)
			assert.True(t, disabled, "the button waits out the limit")
			srv.API.Staff.Guard.Forget("ada", "127.0.0.1")
		}},
		{"login works", func(t *testing.T) {
			do(t, ctx, chromedp.Navigate(base+"/login"))
			submitLogin(t, ctx, "ada", password)
			waitLocation(t, ctx, base+"/")
			do(t, ctx, chromedp.WaitVisible(chromedp.ID("terminals")))
			waitJS(t, ctx, `document.getElementById('live').dataset.state === 'live'`, "live indicator")
			assert.Equal(t, "Live", text(t, ctx, "#live"))
			assertNoInlineCode(t, ctx)
		}},
		{"list shows terminals with health", func(t *testing.T) {
			got := rows(t, ctx)
			require.Len(t, got, 4)
			want := map[string][]string{
				"kallio-pc-01":        {"kallio", "PC", "Online", "12 %", "41 %", "57 %", "3 d 4 h", "1.4.0"},
				"kallio-pc-02":        {"kallio", "PC", "In session", "35 %", "62 %", "48 %", "5 h 12 min", "1.4.0"},
				"kallio-lobby-screen": {"kallio", "Info screen", "Out of service", "8 %", "30 %", "22 %", "12 d 0 h", "1.4.0"},
				"toolo-pc-01":         {"toolo", "PC", "Online", "5 %", "28 %", "40 %", "45 min", "1.4.0"},
			}
			for name, cells := range want {
				r, ok := got[name]
				if assert.True(t, ok, "row %s", name) {
					assert.Equal(t, cells, r.Cells[colBranch:colSeen], name)
					assert.Regexp(t, `^(\d+ s ago|just now)$`, r.Cells[colSeen], name)
				}
			}
			assert.Equal(t, map[string]string{"all": "4", "online": "2", "in_session": "1", "out_of_service": "1", "offline": "0"},
				counts(t, ctx))
		}},
		{"health event updates a row live", func(t *testing.T) {
			do(t, ctx, chromedp.Evaluate[chromedp.Void](`window.pisteNoReload = true`))
			ag.pc1.health(time.Now(), 77.5, 44, 57.5, 3*24*time.Hour+4*time.Hour+11*time.Minute)
			waitJS(t, ctx, fmt.Sprintf(`document.querySelector('tr[data-id=%q]').cells[%d].textContent === '78 %%'`, ag.pc1.ID, colCPU),
				"CPU 78 % on kallio-pc-01")
			waitJS(t, ctx, `window.pisteNoReload === true`, "the same page, not a reload")
		}},
		{"disconnect turns a row offline live", func(t *testing.T) {
			ag.toolo.Close()
			waitJS(t, ctx, fmt.Sprintf(`document.querySelector('tr[data-id=%q]').cells[%d].textContent === 'Offline'`, ag.toolo.ID, colStatus),
				"toolo-pc-01 offline")
			waitJS(t, ctx, `window.pisteNoReload === true`, "the same page, not a reload")
			r := rows(t, ctx)["toolo-pc-01"]
			assert.Equal(t, "st-offline", r.Class)
			// Counts follow within a couple of seconds (a count costs a query).
			waitJS(t, ctx, `document.querySelector('.counts a[data-status="offline"] .count-n').textContent === '1'`, "one offline")
			assert.Equal(t, "1", counts(t, ctx)["online"])
			screenshot(t, ctx, "admin-terminals.png")
		}},
		{"live view reconnects after the network drops", func(t *testing.T) {
			proxy := newLinkProxy(t, strings.TrimPrefix(base, "http://"))
			// Cookies are not bound to a port: the session holds through the proxy.
			do(t, ctx, chromedp.Navigate(proxy.URL()+"/"), chromedp.WaitVisible(chromedp.ID("terminals")))
			waitJS(t, ctx, `document.getElementById('live').dataset.state === 'live'`, "live indicator")
			do(t, ctx, chromedp.Evaluate[chromedp.Void](`window.pisteNoReload = true`))
			proxy.cut()
			waitJS(t, ctx, `document.getElementById('live').dataset.state === 'reconnecting'`, "reconnecting indicator")
			assert.Equal(t, "Reconnecting…", text(t, ctx, "#live"))
			// A change while the page is cut off arrives with the rows
			// the fleet sends when the page watches them again.
			ag.pc2.health(time.Now(), 55, 62, 48, 5*time.Hour+13*time.Minute)
			proxy.restore()
			waitJS(t, ctx, `document.getElementById('live').dataset.state === 'live'`, "live again")
			waitJS(t, ctx, fmt.Sprintf(`document.querySelector('tr[data-id=%q]').cells[%d].textContent === '55 %%'`, ag.pc2.ID, colCPU),
				"CPU 55 % on kallio-pc-02")
			waitJS(t, ctx, `window.pisteNoReload === true`, "the same page, not a reload")
			do(t, ctx, chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.ID("terminals")))
		}},
		{"branch filter from the form", func(t *testing.T) {
			do(t, ctx, chromedp.SetValue(chromedp.ID("f-branch"), "toolo"))
			navigateByClick(t, ctx, ".filters button[type=submit]")
			assert.Contains(t, location(t, ctx), "branch=toolo")
			waitJS(t, ctx, `document.getElementById('live').dataset.state === 'live'`, "live indicator")
			got := rows(t, ctx)
			assert.Len(t, got, 1)
			assert.Contains(t, got, "toolo-pc-01")
			assert.Equal(t, "1", counts(t, ctx)["all"])
		}},
		{"live updates reach only the rows on screen", func(t *testing.T) {
			do(t, ctx, chromedp.Navigate(base+"/?branch=kallio&status=online"))
			waitJS(t, ctx, `document.getElementById('live').dataset.state === 'live'`, "live indicator")
			require.Equal(t, []string{"kallio-pc-01"}, keys(rows(t, ctx)))
			do(t, ctx, chromedp.Evaluate[chromedp.Void](`window.pisteNoReload = true`))
			// pc-02 leaves its session and now matches the filter: the
			// counts say so, but the page gets no row it does not show.
			ag.screen.health(time.Now(), 9, 30, 22, 12*24*time.Hour)
			ag.pc2.state("idle", "")
			waitJS(t, ctx, `document.querySelector('.counts a[data-status="online"] .count-n').textContent === '2'`, "two online")
			assert.Equal(t, []string{"kallio-pc-01"}, keys(rows(t, ctx)))
			assert.Equal(t, map[string]string{"all": "3", "online": "2", "in_session": "0", "out_of_service": "1", "offline": "0"},
				counts(t, ctx))
			// pc-01 leaves the filter: its row says so and takes no more updates.
			ag.pc1.state("active", "")
			waitJS(t, ctx, fmt.Sprintf(`document.querySelector('tr[data-id=%q]').dataset.gone === 'true'`, ag.pc1.ID), "kallio-pc-01 marked gone")
			waitJS(t, ctx, `window.pisteNoReload === true`, "the same page, not a reload")
			ag.pc1.state("idle", "")
			ag.pc2.state("active", "")
		}},
		{"detail page shows the chart", func(t *testing.T) {
			do(t, ctx, chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.ID("terminals")))
			navigateByClick(t, ctx, fmt.Sprintf(`tr[data-id=%q] a`, ag.pc1.ID))
			assert.Equal(t, base+"/terminals/"+ag.pc1.ID, location(t, ctx))
			do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#chart svg")))
			chart, err := chromedp.Run(ctx, chromedp.Evaluate[struct {
				Samples int      `json:"samples"`
				Lines   []int    `json:"lines"`
				Desc    string   `json:"desc"`
				Classes []string `json:"classes"`
			}](`(() => { const svg = document.querySelector('#chart svg'); const lines = Array.from(svg.querySelectorAll('polyline'));
				return {samples: Number(svg.dataset.samples), lines: lines.map(l => l.points.numberOfItems),
					classes: lines.map(l => l.getAttribute('class')), desc: svg.querySelector('desc').textContent}; })()`))
			require.NoError(t, err)
			assert.GreaterOrEqual(t, chart.Samples, 49, "a day of reports plus the live ones")
			require.NotEmpty(t, chart.Lines)
			assert.Contains(t, chart.Classes, "line line-cpu")
			assert.Contains(t, chart.Classes, "line line-disk")
			assert.GreaterOrEqual(t, chart.Lines[0], 40, "points in the CPU line")
			assert.Contains(t, chart.Desc, "Latest: CPU 78 %")
			assert.Equal(t, "78 %", text(t, ctx, `[data-field="cpu"]`))
			assert.Equal(t, "Online", text(t, ctx, "#d-badge"))
			assertNoInlineCode(t, ctx)
		}},
		{"command form checks its fields", func(t *testing.T) {
			do(t, ctx, chromedp.Click(chromedp.ID("c-send")), chromedp.WaitVisible(chromedp.ID("c-text-err")))
			assert.Equal(t, "Write the message to show.", text(t, ctx, "#c-text-err"))
			do(t, ctx,
				chromedp.SetValue(chromedp.ID("c-text"), "hello"),
				chromedp.SetValue(chromedp.ID("c-ttl"), "forever"),
				chromedp.Click(chromedp.ID("c-send")),
				chromedp.WaitVisible(chromedp.ID("c-ttl-err")))
			assert.Contains(t, text(t, ctx, "#c-ttl-err"), "ttl must be a duration")
			assert.Empty(t, ag.pc1.Commands())
		}},
		{"message command reaches done", func(t *testing.T) {
			do(t, ctx,
				chromedp.SetValue(chromedp.ID("c-type"), "message"),
				chromedp.SetValue(chromedp.ID("c-text"), "The library closes in 15 minutes."),
				chromedp.SetValue(chromedp.ID("c-ttl"), "10m"),
				chromedp.Click(chromedp.ID("c-send")))
			waitJS(t, ctx, `!!document.querySelector('#commands .cmd-status[data-status="done"]')`, "command done")
			assert.Contains(t, text(t, ctx, "#commands li"), "Show a message: “The library closes in 15 minutes.”")
			hidden, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById('c-ttl-err').hidden`))
			require.NoError(t, err)
			assert.True(t, hidden, "the earlier field error is gone")
			cmds := ag.pc1.Commands()
			require.Len(t, cmds, 1)
			assert.Equal(t, protocol.CommandMessage, cmds[0].Type)
			assert.Equal(t, "The library closes in 15 minutes.", cmds[0].Text)
			screenshot(t, ctx, "admin-terminal-detail.png")
		}},
		{"revoke asks, then drops the terminal", func(t *testing.T) {
			do(t, ctx, chromedp.Click(chromedp.ID("revoke")), chromedp.WaitVisible(chromedp.ID("confirm")))
			assert.Equal(t, "Revoke kallio-pc-01?", text(t, ctx, "#confirm-title"))
			// Cancel first: nothing may happen.
			do(t, ctx, chromedp.Click(chromedp.CSS(`#confirm button[value=cancel]`)), chromedp.WaitNotVisible(chromedp.ID("confirm")))
			assert.Equal(t, -1, ag.pc1.closeCode(300*time.Millisecond), "still connected after cancel")
			do(t, ctx, chromedp.Click(chromedp.ID("revoke")), chromedp.WaitVisible(chromedp.ID("confirm")))
			navigateByClick(t, ctx, "#confirm-ok")
			assert.Equal(t, base+"/?revoked="+ag.pc1.ID, location(t, ctx))
			assert.Contains(t, text(t, ctx, `.notice[role="status"]`), "kallio-pc-01 was revoked")
			assert.Equal(t, protocol.CloseUnauthorized, ag.pc1.closeCode(5*time.Second))
			waitJS(t, ctx, `document.getElementById('live').dataset.state === 'live'`, "live indicator")
			assert.NotContains(t, rows(t, ctx), "kallio-pc-01")
			assert.Len(t, rows(t, ctx), 3)
		}},
		{"logout", func(t *testing.T) {
			navigateByClick(t, ctx, `form[action="/logout"] button`)
			assert.Equal(t, base+"/login", location(t, ctx))
			do(t, ctx, chromedp.Navigate(base+"/terminals/"+ag.pc2.ID), chromedp.WaitVisible(chromedp.ID("login-form")))
			assert.Contains(t, location(t, ctx), "/login?next=")
		}},
		{"volunteer sees a plain page", func(t *testing.T) {
			vctx, vconsole := newTab(t, browser)
			do(t, vctx, chromedp.Navigate(base+"/terminals/"+ag.pc2.ID))
			submitLogin(t, vctx, "val", password)
			waitLocation(t, vctx, base+"/terminals/"+ag.pc2.ID)
			waitJS(t, vctx, `document.querySelector('main').textContent.includes('This page is not for your role')`, "no-admin text")
			assert.Equal(t, "Help requests", text(t, vctx, `main ul.role-pages a[href="/help"]`), "the page links the role's own page")
			assert.Equal(t, base+"/terminals/"+ag.pc2.ID, location(t, vctx), "login returns to the page asked for")
			assert.NotContains(t, text(t, vctx, "main"), "kallio-pc-02")
			assertNoInlineCode(t, vctx)
			assert.Empty(t, vconsole.errors("403"), "console errors")
		}},
		{"CSP is enforced and the console stayed clean", func(t *testing.T) {
			// A script injected inline must be refused by the server's
			// policy, and the refusal must reach the console log.
			ran, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { const s = document.createElement('script');
				s.textContent = 'window.pisteInline = true'; document.body.appendChild(s); return window.pisteInline === true; })()`))
			require.NoError(t, err)
			assert.False(t, ran, "an inline script ran: the Content-Security-Policy is missing")
			console.waitFor(t, "Content Security Policy")
			console.forget("Content Security Policy")
			assert.Empty(t, console.errors("400", "401", "429"), "console errors: only the refused inputs the test sent may fail")
		}},
	}
	for _, s := range steps {
		if !t.Run(s.name, s.fn) {
			return
		}
	}
}

func keys(m map[string]row) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
