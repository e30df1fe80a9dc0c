package browser

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"piste/fleet/api"
	"piste/fleet/protocol"
	"piste/fleet/server"
	"piste/fleet/store"
)

// startConsoleFleet runs a fleet whose alert rules run every 300 ms on a
// clock the test may move forward (clock, in nanoseconds ahead).
func startConsoleFleet(t *testing.T, clock *atomic.Int64) *server.Server {
	t.Helper()
	srv, err := server.New(server.Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), TLS: server.TLSOff,
		AlertInterval: 300 * time.Millisecond}, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	srv.API.Alerts.Now = func() time.Time { return time.Now().Add(time.Duration(clock.Load())) }
	require.NoError(t, srv.Start())
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	})
	return srv
}

// listNames are the names in the list's rows, in page order.
func listNames(t *testing.T, ctx context.Context) []string {
	t.Helper()
	names, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](
		`Array.from(document.querySelectorAll('#terminals tbody tr th a'), a => a.textContent)`))
	require.NoError(t, err)
	return names
}

func login(t *testing.T, ctx context.Context, base, name string) {
	t.Helper()
	do(t, ctx, chromedp.Navigate(base+"/login?lang=en"))
	submitLogin(t, ctx, name, password)
	waitLocation(t, ctx, base+"/")
	waitJS(t, ctx, `document.getElementById('live').dataset.state === 'live'`, "live indicator")
}

// The proofs for the admin console, on the real pages: a large
// list filtered, paged and sorted on the server; an alert raised and
// closed on an open page; a bulk lock over a filter; the overview; and a
// branch admin kept to their branch.
func TestConsolePages(t *testing.T) {
	browser := newBrowser(t)
	var clock atomic.Int64
	srv := startConsoleFleet(t, &clock)
	addBranch(t, srv, "kallio", "Kallio library")
	addBranch(t, srv, "toolo", "Töölö library")
	addBranch(t, srv, "pasila", "Pasila library")
	// Kallio and Töölö are closed (offline there alerts nobody); Pasila
	// is open round the clock.
	ctxb := context.Background()
	require.NoError(t, srv.Store.PutPolicyLayer(ctxb, store.PolicyLayer{Scope: "fleet", UpdatedBy: "t",
		YAML: "hours:\n  weekly: {mon: closed}\n"}))
	require.NoError(t, srv.Store.PutPolicyLayer(ctxb, store.PolicyLayer{Scope: "branch:pasila", UpdatedBy: "t",
		YAML: "hours:\n  weekly: {mon: \"00:00-24:00\", tue: \"00:00-24:00\", wed: \"00:00-24:00\", thu: \"00:00-24:00\", fri: \"00:00-24:00\", sat: \"00:00-24:00\", sun: \"00:00-24:00\"}\n"}))
	addUser(t, srv, "ada", api.RoleAdmin, "")
	addUser(t, srv, "kim", api.RoleAdmin, "kallio")
	base := srv.URL

	// 230 stored terminals (every fifth a screen), and four live agents.
	var seeded []store.Terminal
	now := time.Now()
	for i := range 230 {
		b, kind := "kallio", "pc"
		if i%2 == 1 {
			b = "toolo"
		}
		if i%5 == 0 {
			kind = "screen"
		}
		seeded = append(seeded, store.Terminal{ID: fmt.Sprintf("t-seed-%03d", i), Name: fmt.Sprintf("%s-%s-%03d", b, kind, i),
			Branch: b, Kind: kind, EnrolledAt: now, LastSeen: now, AgentVersion: "1.4.0"})
	}
	require.NoError(t, srv.Store.SeedTerminals(context.Background(), seeded))
	code := func(branch string) string {
		c, err := api.NewEnrollCode(context.Background(), srv.Store, branch, 1, time.Hour)
		require.NoError(t, err)
		return c
	}
	screen1 := connectAgent(t, base, enroll(t, base, code("kallio"), "a-live-screen-1", "screen"), "screen")
	screen2 := connectAgent(t, base, enroll(t, base, code("kallio"), "a-live-screen-2", "screen"), "screen")
	pc := connectAgent(t, base, enroll(t, base, code("kallio"), "a-live-pc", "pc"), "pc")
	toolo := connectAgent(t, base, enroll(t, base, code("toolo"), "a-live-toolo-screen", "screen"), "screen")
	enrolled := enroll(t, base, code("pasila"), "a-live-pc-2", "pc")
	pc2 := connectAgent(t, base, enrolled, "pc")

	ctx, console := newTab(t, browser)
	login(t, ctx, base, "ada")

	steps := []struct {
		name string
		fn   func(t *testing.T)
	}{
		{"the first page of a large list", func(t *testing.T) {
			names := listNames(t, ctx)
			require.Len(t, names, 50, "one page")
			assert.True(t, slices.IsSorted(names), "by name: %v", names)
			assert.Equal(t, "a-live-pc", names[0])
			assert.Equal(t, "235", counts(t, ctx)["all"])
			assertNoInlineCode(t, ctx)
		}},
		{"next page continues the order", func(t *testing.T) {
			first := listNames(t, ctx)
			navigateByClick(t, ctx, "#next-page")
			second := listNames(t, ctx)
			require.Len(t, second, 50)
			assert.Less(t, first[49], second[0], "the next page starts after the first")
			assert.True(t, slices.IsSorted(second))
			navigateByClick(t, ctx, "#first-page")
			assert.Equal(t, first, listNames(t, ctx))
		}},
		{"sort by name descending", func(t *testing.T) {
			navigateByClick(t, ctx, `th[aria-sort="ascending"] a`)
			names := listNames(t, ctx)
			assert.Equal(t, "toolo-screen-225", names[0])
			assert.True(t, slices.IsSortedFunc(names, func(a, b string) int { return -cmp(a, b) }), "descending")
			assert.Contains(t, location(t, ctx), "sort=-name")
		}},
		{"filter by branch and kind", func(t *testing.T) {
			do(t, ctx, chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.ID("terminals")))
			do(t, ctx, chromedp.SetValue(chromedp.ID("f-branch"), "kallio"), chromedp.SetValue(chromedp.ID("f-kind"), "screen"))
			navigateByClick(t, ctx, "#filters button[type=submit]")
			names := listNames(t, ctx)
			// kallio's seeded screens are i = 0, 10, 20, …, 220: 23, and two live ones.
			assert.Len(t, names, 25)
			for _, n := range names {
				assert.Regexp(t, `^(kallio-screen-\d+|a-live-screen-\d)$`, n)
			}
			assert.Equal(t, "25", counts(t, ctx)["all"])
		}},
		{"a bulk lock over the filter reaches exactly its terminals", func(t *testing.T) {
			// Only the live ones take commands: narrow the filter to them.
			do(t, ctx, chromedp.Navigate(base+"/?branch=kallio&kind=screen&q=a-live"), chromedp.WaitVisible(chromedp.ID("terminals")))
			waitJS(t, ctx, `document.getElementById('live').dataset.state === 'live'`, "live indicator")
			require.Equal(t, []string{"a-live-screen-1", "a-live-screen-2"}, listNames(t, ctx))
			do(t, ctx, chromedp.SetValue(chromedp.ID("b-type"), "lock"), chromedp.Click(chromedp.ID("b-send")),
				chromedp.WaitVisible(chromedp.ID("confirm")))
			assert.Equal(t, "Lock: 2 terminals.", text(t, ctx, "#confirm-text"))
			do(t, ctx, chromedp.Click(chromedp.ID("confirm-ok")))
			waitJS(t, ctx, `document.getElementById('b-progress').dataset.done === '2'`, "done on both")
			assert.Contains(t, text(t, ctx, "#b-progress"), "Done on 2 of 2 terminals")
			for _, a := range []*testAgent{screen1, screen2} {
				cmds := a.Commands()
				require.Len(t, cmds, 1, a.Name)
				assert.Equal(t, protocol.CommandLock, cmds[0].Type)
			}
			for _, a := range []*testAgent{pc, toolo, pc2} {
				assert.Empty(t, a.Commands(), "%s is not in the filter", a.Name)
			}
			entries, err := srv.Store.AuditLog(context.Background(), 1)
			require.NoError(t, err)
			assert.Equal(t, "bulk:lock", entries[0].Action)
			assert.Equal(t, "ada", entries[0].Actor)
			assert.Contains(t, entries[0].Detail, screen1.ID)
			assert.Contains(t, entries[0].Detail, screen2.ID)
		}},
		{"an offline terminal raises an alert live, acknowledged, closed on return", func(t *testing.T) {
			do(t, ctx, chromedp.Navigate(base+"/?q=a-live"), chromedp.WaitVisible(chromedp.ID("terminals")))
			waitJS(t, ctx, `document.getElementById('live').dataset.state === 'live'`, "live indicator")
			do(t, ctx, chromedp.Evaluate[chromedp.Void](`window.pisteNoReload = true`))
			pc2.Close()
			// Pasila is open; eleven minutes on, the rule fires.
			clock.Store(int64(11 * time.Minute))
			sel := fmt.Sprintf(`#alert-list li.alert-offline_in_opening_hours a[href="/terminals/%s"]`, pc2.ID)
			waitJS(t, ctx, fmt.Sprintf(`!!document.querySelector(%q)`, sel), "the offline alert")
			assert.Contains(t, text(t, ctx, "#alert-list"), "offline during opening hours")
			assert.Equal(t, "1 open alert", text(t, ctx, "#h-alerts"), "the closed branches' offline terminals alert nobody")
			do(t, ctx, chromedp.Click(chromedp.CSS(`#alert-list button.ack`)))
			waitJS(t, ctx, `document.querySelector('#alert-list .acked') !== null`, "acknowledged")
			assert.Contains(t, text(t, ctx, "#alert-list"), "acknowledged by ada")
			back := connectAgent(t, base, enrolled, "pc")
			_ = back
			waitJS(t, ctx, fmt.Sprintf(`!document.querySelector(%q)`, sel), "the alert to close")
			waitJS(t, ctx, `document.getElementById('alerts').hidden`, "no open alerts")
			waitJS(t, ctx, `window.pisteNoReload === true`, "the same page, not a reload")
			clock.Store(0)
		}},
		{"the overview per branch, one click to its terminals", func(t *testing.T) {
			do(t, ctx, chromedp.Navigate(base+"/overview"), chromedp.WaitVisible(chromedp.CSS(".glance-card")))
			kallio := `.glance-card[data-branch="kallio"] `
			assert.Equal(t, "3", text(t, ctx, kallio+`[data-n="online"]`), "two screens and a PC linked")
			bars, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('.glance-card[data-branch="kallio"] rect.bar').length`))
			require.NoError(t, err)
			assert.Equal(t, 7, bars)
			assertNoInlineCode(t, ctx)
			navigateByClick(t, ctx, kallio+"h2 a")
			assert.Equal(t, base+"/?branch=kallio", location(t, ctx))
		}},
		{"a branch admin sees and acts on their branch only", func(t *testing.T) {
			kctx, kconsole := newTab(t, browser)
			login(t, kctx, base, "kim")
			assert.Equal(t, "118", counts(t, kctx)["all"], "kallio's 115 seeded and three live")
			do(t, kctx, chromedp.Navigate(base+"/?branch=toolo"), chromedp.WaitVisible(chromedp.ID("terminals")))
			assert.Empty(t, listNames(t, kctx), "another branch lists nothing")
			do(t, kctx, chromedp.Navigate(base+"/overview"), chromedp.WaitVisible(chromedp.CSS(".glance-card")))
			n, err := chromedp.Run(kctx, chromedp.Evaluate[int](`document.querySelectorAll('.glance-card').length`))
			require.NoError(t, err)
			assert.Equal(t, 1, n)
			status, err := chromedp.Run(kctx, chromedp.Evaluate[int](`fetch('/api/v1/commands/bulk', {method: 'POST',
				headers: {'Content-Type': 'application/json'}, credentials: 'same-origin',
				body: JSON.stringify({terminals: [`+fmt.Sprintf("%q", toolo.ID)+`], type: 'lock', confirm_count: 1})}).then(r => r.status)`,
				chromedp.EvalAwaitPromise))
			require.NoError(t, err)
			assert.Equal(t, 400, status, "a terminal of another branch is unknown")
			assert.Empty(t, toolo.Commands())
			assert.Empty(t, kconsole.errors("400"))
		}},
		{"the console stayed clean", func(t *testing.T) {
			assert.Empty(t, console.errors(), "console errors")
		}},
	}
	for _, s := range steps {
		if !t.Run(s.name, s.fn) {
			return
		}
	}
}

func cmp(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
