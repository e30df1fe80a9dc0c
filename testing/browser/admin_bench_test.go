package browser

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"piste/fleet/api"
	"piste/fleet/protocol"
	"piste/fleet/store"
	"piste/testing/sim"
)

// adminStored and adminLive size the admin console benchmark (make
// bench-admin): terminals seeded in the store, and simulated terminals
// live on the agent link, changing state all along. BENCH_ADMIN_STORED
// and BENCH_ADMIN_LIVE override them.
var (
	adminStored = envInt("BENCH_ADMIN_STORED", 50000)
	adminLive   = envInt("BENCH_ADMIN_LIVE", 5000)
)

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// BenchmarkAdminConsole measures the terminal list in real Chromium with
// adminStored terminals in the store and adminLive simulated ones online,
// a few hundred of which change state every second: the first paint of
// the list, a filter change (submit to the new list's first paint), and a
// live change (the state event appended on the terminal to the row on
// screen showing it), whose p50 and p99 it reports. It prints BENCH lines.
func BenchmarkAdminConsole(b *testing.B) {
	browser := newBrowserFor(b, 25*time.Minute)
	srv := startFleet(b)
	ctx := context.Background()
	branches := make([]string, 20)
	for i := range branches {
		branches[i] = fmt.Sprintf("b%02d", i)
		addBranch(b, srv, branches[i], fmt.Sprintf("Branch %02d", i))
	}
	addUser(b, srv, "ada", api.RoleAdmin, "")
	start := time.Now()
	now := time.Now()
	for lo := 0; lo < adminStored; lo += 10000 {
		var ts []store.Terminal
		for i := lo; i < min(lo+10000, adminStored); i++ {
			kind := "pc"
			if i%6 == 5 {
				kind = "screen"
			}
			ts = append(ts, store.Terminal{ID: fmt.Sprintf("t-stored-%05d", i), Name: fmt.Sprintf("pc-%05d", i),
				Branch: branches[i%len(branches)], Kind: kind, EnrolledAt: now, LastSeen: now.Add(-time.Duration(i) * time.Second),
				AgentVersion: fmt.Sprintf("1.%d.0", i%5), Hostname: fmt.Sprintf("host-%05d", i),
				Health: store.Health{At: now, CPUPercent: float64(i % 100), MemUsedPercent: 40, DiskUsedPercent: 55, UptimeSeconds: 86400}})
		}
		if err := srv.Store.SeedTerminals(ctx, ts); err != nil {
			b.Fatal(err)
		}
	}
	fmt.Printf("BENCH admin seeded=%d seconds=%.1f\n", adminStored, time.Since(start).Seconds())

	code, err := api.NewEnrollCode(ctx, srv.Store, branches[0], adminLive, time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	simCtx, stopSim := context.WithCancel(ctx)
	defer stopSim()
	start = time.Now()
	// Prefix "a-live" sorts the live terminals first in the list by name.
	s, err := sim.Start(simCtx, sim.Config{Server: srv.URL, Code: code, Terminals: adminLive, Prefix: "a-live", Heartbeat: time.Minute})
	if err != nil {
		b.Fatal(err)
	}
	for s.Online() < adminLive {
		if time.Since(start) > 5*time.Minute {
			b.Fatalf("only %d of %d simulated terminals online", s.Online(), adminLive)
		}
		time.Sleep(200 * time.Millisecond)
	}
	fmt.Printf("BENCH admin live=%d online_after_seconds=%.1f\n", adminLive, time.Since(start).Seconds())

	// Churn: a few hundred state changes a second across the live fleet.
	var churned atomic.Int64
	go func() {
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		states := []protocol.TerminalState{protocol.StateIdle, protocol.StateActive}
		for {
			select {
			case <-simCtx.Done():
				return
			case <-tick.C:
			}
			for range 3 {
				t := s.Terminals[50+rand.IntN(len(s.Terminals)-50)] // not those on screen
				t.SetState(states[rand.IntN(2)])
				churned.Add(1)
			}
		}
	}()

	tab, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	defer cancel()
	err = chromedp.Do(tab, chromedp.Navigate(srv.URL+"/login?lang=en"), chromedp.WaitVisible(chromedp.ID("login-form")),
		chromedp.SetValue(chromedp.ID("login-name"), "ada"), chromedp.SetValue(chromedp.ID("login-password"), password),
		chromedp.Click(chromedp.ID("login-submit")), chromedp.WaitVisible(chromedp.ID("terminals")))
	if err != nil {
		b.Fatal(err)
	}

	type paint struct {
		DCL float64 `json:"dcl"`
		FCP float64 `json:"fcp"`
	}
	// The paint entry appears a moment after the page shows; wait for it.
	timing := chromedp.Poll[paint](`(() => { const n = performance.getEntriesByType('navigation')[0];
		const p = performance.getEntriesByName('first-contentful-paint')[0];
		return p && n.domContentLoadedEventEnd > 0 ? {dcl: n.domContentLoadedEventEnd, fcp: p.startTime} : false; })()`,
		chromedp.WithPollingInterval(20*time.Millisecond), chromedp.WithPollingTimeout(10*time.Second))
	var first, filter []paint
	for range 5 {
		err := chromedp.Do(tab, chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(chromedp.ID("terminals")))
		if err != nil {
			b.Fatal(err)
		}
		p, err := chromedp.Run(tab, timing)
		if err != nil {
			b.Fatal(err)
		}
		first = append(first, p)
	}
	for i := range 5 {
		err := chromedp.Do(tab, chromedp.SetValue(chromedp.ID("f-branch"), branches[3+i]),
			chromedp.SetValue(chromedp.ID("f-status"), "offline"), chromedp.SetValue(chromedp.ID("f-q"), "pc-1"))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := chromedp.RunResponse(tab, chromedp.Click(chromedp.CSS("#filters button[type=submit]"))); err != nil {
			b.Fatal(err)
		}
		p, err := chromedp.Run(tab, timing)
		if err != nil {
			b.Fatal(err)
		}
		filter = append(filter, p)
	}

	fmt.Printf("BENCH admin first_paint_ms %v filter_change_ms %v (first contentful paint, DOMContentLoaded)\n", first, filter)

	// Live: the first page shows live terminals; change one at a time and
	// time until the page's row shows it. A MutationObserver in the page
	// notes when each row's class changes (the clocks are the machine's).
	err = chromedp.Do(tab, chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(chromedp.ID("terminals")),
		chromedp.Poll[chromedp.Void](`document.getElementById('live').dataset.state === 'live'`),
		chromedp.Evaluate[chromedp.Void](`window.seen = {}; new MutationObserver(ms => { for (const m of ms) {
			const tr = m.target; if (tr.dataset && tr.dataset.id) seen[tr.dataset.id + ' ' + tr.className] = Date.now(); } })
			.observe(document.querySelector('#terminals tbody'), {subtree: true, attributes: true, attributeFilter: ['class']})`))
	if err != nil {
		b.Fatal(err)
	}
	onScreen, err := chromedp.Run(tab, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('#terminals tbody tr'), tr => tr.dataset.id)`))
	if err != nil {
		b.Fatal(err)
	}
	byID := map[string]*sim.Terminal{}
	for _, t := range s.Terminals {
		byID[t.ID] = t
	}
	var lat []time.Duration
	for i := 0; i < 200; i++ {
		t := byID[onScreen[i%len(onScreen)]]
		if t == nil {
			b.Fatalf("row %s is not a live terminal", onScreen[i%len(onScreen)])
		}
		state, class := protocol.StateActive, "st-in_session"
		if i/len(onScreen)%2 == 1 {
			state, class = protocol.StateIdle, "st-online"
		}
		key := t.ID + " " + class
		if err := chromedp.Do(tab, chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`delete seen[%q]`, key))); err != nil {
			b.Fatal(err)
		}
		sent := time.Now()
		t.SetState(state)
		at, err := chromedp.Run(tab, chromedp.Poll[int64](fmt.Sprintf(`seen[%q] || false`, key),
			chromedp.WithPollingInterval(20*time.Millisecond), chromedp.WithPollingTimeout(30*time.Second)))
		if err != nil {
			b.Fatalf("row %s never showed %s: %v", t.ID, class, err)
		}
		lat = append(lat, time.UnixMilli(at).Sub(sent))
	}
	slices.Sort(lat)
	pct := func(p float64) time.Duration { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
	worst := func(ps []paint, f func(paint) float64) (float64, float64) {
		vs := make([]float64, len(ps))
		for i, p := range ps {
			vs[i] = f(p)
		}
		slices.Sort(vs)
		return vs[len(vs)/2], vs[len(vs)-1]
	}
	fcpMed, fcpMax := worst(first, func(p paint) float64 { return p.FCP })
	dclMed, dclMax := worst(first, func(p paint) float64 { return p.DCL })
	ffMed, ffMax := worst(filter, func(p paint) float64 { return p.FCP })
	fdMed, fdMax := worst(filter, func(p paint) float64 { return p.DCL })
	fmt.Printf("BENCH admin first_paint_ms median=%.0f max=%.0f dom_content_loaded_ms median=%.0f max=%.0f (aim < 1000)\n", fcpMed, fcpMax, dclMed, dclMax)
	fmt.Printf("BENCH admin filter_change_ms first_paint median=%.0f max=%.0f dom_content_loaded median=%.0f max=%.0f (aim < 300)\n", ffMed, ffMax, fdMed, fdMax)
	fmt.Printf("BENCH admin live_update_ms p50=%d p99=%d max=%d samples=%d churn_changes=%d (aim p99 < 500)\n",
		pct(0.5).Milliseconds(), pct(0.99).Milliseconds(), lat[len(lat)-1].Milliseconds(), len(lat), churned.Load())
	b.ReportMetric(fcpMed, "ms/first-paint")
	b.ReportMetric(ffMed, "ms/filter")
	b.ReportMetric(float64(pct(0.99).Milliseconds()), "ms/live-p99")
	for b.Loop() {
	}
}
