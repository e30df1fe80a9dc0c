package browser

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"piste/fleet/api"
	"piste/fleet/web/i18n"
)

// axePages are the staff pages axe-core checks: as an admin sees them,
// or logged out. "{pc}" is a terminal's id. A new page is checked by
// adding its path here.
var axePages = []struct {
	path     string
	loggedIn bool
}{
	{"/login", false},
	{"/", true},
	{"/terminals/{pc}", true},
	{"/guest-passes", true},
	{"/no-such-page", true},
	{"/overview", true},
	{"/help", true},
	{"/help/stats", true},
	{"/signage", true},
	{"/policies", true},
	{"/staff", true},
	{"/audit", true},
	{"/measures", true},
	{"/power", true},
	{"/updates", true},
}

// axeScript is axe-core from npm (testing/browser/package.json; make
// npm-ensure installs it).
func axeScript(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("node_modules", "axe-core", "axe.min.js"))
	if err != nil {
		t.Skipf("needs axe-core from npm (cd testing/browser && npm ci; make test does it): %v", err)
	}
	return string(b)
}

// axeViolation is one failed rule on a page.
type axeViolation struct {
	ID    string `json:"id"`
	Help  string `json:"help"`
	Nodes []struct {
		Target []string `json:"target"`
	} `json:"nodes"`
}

// runAxe runs axe-core's WCAG 2.2 A/AA rules over the page in ctx.
// DevTools evaluation is not held to the page's CSP, so axe needs no
// exception in the policy.
func runAxe(t *testing.T, ctx context.Context, script string) []axeViolation {
	t.Helper()
	_, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](script))
	require.NoError(t, err, "load axe-core")
	violations, err := chromedp.Run(ctx, chromedp.Evaluate[[]axeViolation](`axe.run(document, {
			runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}
		}).then(r => r.violations.map(v => ({id: v.id, help: v.help, nodes: v.nodes.map(n => ({target: n.target}))})))`,
		chromedp.EvalAwaitPromise))
	require.NoError(t, err, "run axe-core")
	return violations
}

// TestStaffPagesPassAxe runs axe-core in real Chromium over every staff
// page in each language and expects no violations; it also checks that
// the language switch gives the page in that language.
func TestStaffPagesPassAxe(t *testing.T) {
	script := axeScript(t)
	browser := newBrowser(t)
	srv := startFleet(t)
	addBranch(t, srv, "kallio", "Kallio library")
	addUser(t, srv, "ada", api.RoleAdmin, "")
	pc := enrollAgent(t, srv, "kallio", "kallio-pc-01", "pc")
	pc.health(time.Now(), 12, 40, 50, time.Hour)
	pc.state("active", "")
	base := srv.URL

	admin, _ := newTab(t, browser)
	do(t, admin, chromedp.Navigate(base+"/login"))
	submitLogin(t, admin, "ada", password)
	waitLocation(t, admin, base+"/")
	visitor, _ := newTab(t, browser)

	// axe must be able to see a fault, or "no violations" proves nothing.
	do(t, visitor, chromedp.Navigate(base+"/login"), chromedp.WaitReady(chromedp.CSS("main")),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('main').appendChild(document.createElement('img')).src = '/static/favicon.svg'`))
	var probe []string
	for _, v := range runAxe(t, visitor, script) {
		probe = append(probe, v.ID)
	}
	require.Contains(t, probe, "image-alt", "axe-core must report an image without alt text")

	for _, lang := range i18n.Languages {
		for _, page := range axePages {
			ctx, path := visitor, strings.ReplaceAll(page.path, "{pc}", pc.ID)
			if page.loggedIn {
				ctx = admin
			}
			t.Run(lang+path, func(t *testing.T) {
				do(t, ctx, chromedp.Navigate(base+path+"?lang="+lang), chromedp.WaitReady(chromedp.CSS("main")))
				got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.lang`))
				require.NoError(t, err)
				assert.Equal(t, lang, got, "?lang= switches the page's language")
				h1, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.querySelector('h1') || {}).textContent || ''`))
				require.NoError(t, err)
				if path == "/login" {
					assert.Equal(t, i18n.Catalog.T(lang, "staff.login.title"), h1)
				}
				for _, v := range runAxe(t, ctx, script) {
					var where []string
					for _, n := range v.Nodes {
						where = append(where, strings.Join(n.Target, " "))
					}
					t.Errorf("%s: %s (%s) at %s", path, v.ID, v.Help, strings.Join(where, ", "))
				}
			})
		}
	}

	// A status change on the live list reaches screen readers through a
	// polite live region, and the page still passes with it in place.
	t.Run("live list announces", func(t *testing.T) {
		do(t, admin, chromedp.Navigate(base+"/?lang=en"), chromedp.WaitVisible(chromedp.ID("terminals")))
		waitJS(t, admin, `document.getElementById('live').dataset.state === 'live'`, "live indicator")
		pc.state("out_of_service", "wipe could not be verified")
		waitJS(t, admin, `(() => { const r = document.getElementById('announcer');
			return !!r && r.textContent.startsWith('kallio-pc-01: '); })()`, "the status change announced")
		for _, v := range runAxe(t, admin, script) {
			t.Errorf("/ with an announcement: %s (%s)", v.ID, v.Help)
		}
	})
}
