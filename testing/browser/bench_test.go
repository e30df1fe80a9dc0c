package browser

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"piste/fleet/api"
	"piste/fleet/auth"
	"piste/fleet/changes"
	"piste/fleet/protocol"
	"piste/fleet/server"
	"piste/fleet/store"
)

// fleetSize is the number of terminals the pages must stay usable with.
const fleetSize = 10000

// seedTerminals enrolls n terminals straight into the store and gives each
// a health report, without agents: the benchmark is about the page.
func seedTerminals(b *testing.B, srv *server.Server, n int) []string {
	ctx := context.Background()
	code, err := api.NewEnrollCode(ctx, srv.Store, "kallio", n, time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	ids := make([]string, n)
	now := time.Now()
	var batch []store.Incoming
	for i := range n {
		t, err := srv.Store.Enroll(ctx, auth.HashToken(auth.NormalizeCode(code)), store.Terminal{
			ID: fmt.Sprintf("t-%05d", i), Name: fmt.Sprintf("kallio-pc-%05d", i), Kind: "pc",
			TokenHash: auth.HashToken(auth.NewToken()), AgentVersion: "1.4.0"}, now)
		if err != nil {
			b.Fatal(err)
		}
		ids[i] = t.ID
		batch = append(batch, healthEvent(t.ID, 1, now, float64(i%100)))
		if len(batch) == 1000 {
			ingest(b, srv, batch)
			batch = batch[:0]
		}
	}
	ingest(b, srv, batch)
	return ids
}

func healthEvent(id string, seq uint64, at time.Time, cpu float64) store.Incoming {
	data, _ := json.Marshal(protocol.Health{CPUPercent: cpu, MemUsedPercent: 40, DiskUsedPercent: 55, UptimeSeconds: 86400})
	return store.Incoming{TerminalID: id, ReceivedAt: at,
		Event: protocol.Event{Epoch: "bench", Seq: seq, Kind: protocol.EventHealth, At: at, Data: data}}
}

func ingest(b *testing.B, srv *server.Server, batch []store.Incoming) {
	if len(batch) == 0 {
		return
	}
	if _, err := srv.Store.Ingest(context.Background(), batch); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkListTenThousand measures, in real Chromium, loading the list of
// ten thousand terminals until the live view has applied its full list
// (load), and a live batch that changes a thousand rows, from marking the
// change to the page showing it (update; this includes the fleet's
// once-a-second coalescing of live updates).
func BenchmarkListTenThousand(b *testing.B) {
	browser := newBrowser(b)
	srv := startFleet(b)
	addBranch(b, srv, "kallio", "Kallio library")
	addUser(b, srv, "ada", api.RoleAdmin, "")
	ids := seedTerminals(b, srv, fleetSize)
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	defer cancel()
	login := func() error {
		return chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/login"), chromedp.WaitVisible(chromedp.ID("login-form")),
			chromedp.SetValue(chromedp.ID("login-name"), "ada"), chromedp.SetValue(chromedp.ID("login-password"), password),
			chromedp.Click(chromedp.ID("login-submit")), chromedp.WaitVisible(chromedp.ID("terminals")))
	}
	if err := login(); err != nil {
		b.Fatal(err)
	}
	var load, update time.Duration
	seq := uint64(1)
	for b.Loop() {
		start := time.Now()
		err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/"),
			chromedp.Poll[chromedp.Void](`document.getElementById('live').dataset.state === 'live' && document.getElementById('total').textContent === '10000'`))
		if err != nil {
			b.Fatal(err)
		}
		load += time.Since(start)

		seq++
		cpu := float64(seq % 100)
		var batch []store.Incoming
		for _, id := range ids[:1000] {
			batch = append(batch, healthEvent(id, seq, time.Now(), cpu+0.2))
		}
		ingest(b, srv, batch)
		start = time.Now()
		for _, id := range ids[:1000] {
			srv.Changes.Publish(changes.Change{Kind: changes.TerminalChanged, Terminal: id})
		}
		want := fmt.Sprintf("%d %%", int(cpu))
		err = chromedp.Do(ctx, chromedp.Poll[chromedp.Void](fmt.Sprintf(
			`document.querySelector('tr[data-id=%q]').cells[4].textContent === %q`, ids[999], want),
			chromedp.WithPollingInterval(5*time.Millisecond)))
		if err != nil {
			b.Fatal(err)
		}
		update += time.Since(start)
	}
	b.ReportMetric(float64(load.Milliseconds())/float64(b.N), "ms/load")
	b.ReportMetric(float64(update.Milliseconds())/float64(b.N), "ms/update")
}
