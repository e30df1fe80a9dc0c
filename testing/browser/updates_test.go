package browser

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"piste/fleet/api"
	"piste/fleet/protocol"
	"piste/fleet/releases"
	"piste/fleet/server"
	"piste/fleet/staff"
	"piste/fleet/store"
	"piste/internal/release"
)

// startReleaseFleet runs a fleet that trusts a fresh release key, with a
// signed release 1.5.0 added; it returns the server.
func startReleaseFleet(t *testing.T) *server.Server {
	dir := t.TempDir()
	pub, err := release.GenerateKeys(filepath.Join(dir, "keys"))
	require.NoError(t, err)
	srv, err := server.New(server.Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), TLS: server.TLSOff, ReleaseKeys: pub},
		slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	require.NoError(t, srv.Start())
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	})
	bin := filepath.Join(dir, release.AgentBinary)
	require.NoError(t, os.WriteFile(bin, []byte("agent"), 0o755))
	file := filepath.Join(dir, "r.tar.gz")
	f, _ := os.Create(file)
	require.NoError(t, release.Pack(f, release.Manifest{Version: "1.5.0", OS: "linux", Arch: "amd64"}, bin))
	f.Close()
	sigPath, err := release.SignFile(filepath.Join(dir, "keys", release.PrivateKeyFile), file)
	require.NoError(t, err)
	sig, _ := os.ReadFile(sigPath)
	f, _ = os.Open(file)
	defer f.Close()
	_, err = srv.API.Releases.Add(context.Background(), staff.Member{Name: "ada", Role: api.RoleAdmin},
		releases.Upload{Version: "1.5.0", OS: "linux", Arch: "amd64"}, f, sig)
	require.NoError(t, err)
	return srv
}

func TestUpdatesPage(t *testing.T) {
	browser := newBrowser(t)
	srv := startReleaseFleet(t)
	addBranch(t, srv, "kallio", "Kallio library")
	addBranch(t, srv, "toolo", "Töölö library")
	addUser(t, srv, "ada", api.RoleAdmin, "")
	addUser(t, srv, "kim", api.RoleAdmin, "kallio")
	addUser(t, srv, "val", api.RoleVolunteer, "kallio")
	pc1 := enrollAgent(t, srv, "kallio", "kallio-pc-01", "pc")
	enrollAgent(t, srv, "kallio", "kallio-pc-02", "pc")
	enrollAgent(t, srv, "toolo", "toolo-pc-01", "pc")

	ctx := context.Background()
	ada := staff.Member{Name: "ada", Role: api.RoleAdmin}
	kallio, err := srv.API.Releases.Create(ctx, ada, releases.NewRollout{Version: "1.5.0", Branches: []string{"kallio"}, Percent: 100})
	require.NoError(t, err)
	_, err = srv.API.Releases.Create(ctx, ada, releases.NewRollout{Version: "1.5.0", Branches: []string{"toolo"}, Percent: 100})
	require.NoError(t, err)
	// A terminal's report reaches the page: what it says is text, never markup.
	require.NoError(t, srv.Store.OfferRollout(ctx, []store.RolloutTerminal{{RolloutID: kallio.ID, TerminalID: pc1.ID,
		FromVersion: "1.4.0", Status: releases.TerminalOffered, UpdatedAt: time.Now()}}))
	pc1.event(protocol.EventUpdate, time.Now(), protocol.UpdateReport{RolloutID: kallio.ID, Version: "1.5.0",
		Status: protocol.UpdateRefused, Detail: `<img src=x id=injected>`})

	base := srv.URL
	login := func(t *testing.T, name string) context.Context {
		tab, _ := newTab(t, browser)
		do(t, tab, chromedp.Navigate(base+"/login?next=/updates"))
		submitLogin(t, tab, name, password)
		waitLocation(t, tab, base+"/updates")
		return tab
	}
	rolloutIDs := func(t *testing.T, tab context.Context) []string {
		ids, err := chromedp.Run(tab, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('.rollout'), a => a.id)`))
		require.NoError(t, err)
		return ids
	}
	versionRows := func(t *testing.T, tab context.Context) map[string]string {
		rows, err := chromedp.Run(tab, chromedp.Evaluate[map[string]string](`Object.fromEntries(Array.from(
			document.querySelectorAll('#versions tbody tr'), tr => [tr.cells[0].textContent.trim(), tr.querySelector('.version').textContent.trim()]))`))
		require.NoError(t, err)
		return rows
	}

	t.Run("a fleet-wide admin sees every wave and version, and steers", func(t *testing.T) {
		tab := login(t, "ada")
		assertNoInlineCode(t, tab)
		assert.Len(t, rolloutIDs(t, tab), 2)
		assert.Equal(t, map[string]string{"kallio-pc-01": "1.4.0", "kallio-pc-02": "1.4.0", "toolo-pc-01": "1.4.0"}, versionRows(t, tab))
		sel := "#rollout-" + itoa(kallio.ID)
		assert.Contains(t, text(t, tab, sel+" .summary"), "0 done, 1 under way, 1 failed")
		injected, err := chromedp.Run(tab, chromedp.Evaluate[bool](`document.getElementById('injected') !== null`))
		require.NoError(t, err)
		assert.False(t, injected, "a terminal's report is not markup")
		detail, err := chromedp.Run(tab, chromedp.Evaluate[string](`document.querySelector('`+sel+` tr[data-step="failed"]').cells[4].textContent`))
		require.NoError(t, err)
		assert.Contains(t, detail, "<img src=x id=injected>")

		// The refusal paused the wave by itself; the admin resumes it, then pauses it.
		assert.Equal(t, "paused", attrOf(t, tab, sel, "data-status"))
		assert.Contains(t, text(t, tab, sel+" .notice"), "1 of 1 terminals that tried 1.5.0 failed")
		do(t, tab, chromedp.Click(chromedp.CSS(sel+` form[action$="/resume"] button`)))
		waitStatus(t, tab, sel, "active")
		do(t, tab, chromedp.Click(chromedp.CSS(sel+` form[action$="/pause"] button`)))
		waitStatus(t, tab, sel, "paused")
		waitLocation(t, tab, base+"/updates")
		r, err := srv.Store.Rollout(ctx, kallio.ID)
		require.NoError(t, err)
		assert.Equal(t, "paused", r.Status)
		assert.Contains(t, r.Reason, "paused by ada")
		assertNoInlineCode(t, tab)

		do(t, tab, chromedp.Navigate(base+"/updates?lang=sv"))
		assert.Contains(t, text(t, tab, "h1"), "Uppdateringar")
	})

	t.Run("a branch admin sees their branches only", func(t *testing.T) {
		tab := login(t, "kim")
		assert.Equal(t, []string{"rollout-" + itoa(kallio.ID)}, rolloutIDs(t, tab))
		assert.Equal(t, map[string]string{"kallio-pc-01": "1.4.0", "kallio-pc-02": "1.4.0"}, versionRows(t, tab))
	})

	t.Run("a volunteer gets no updates page", func(t *testing.T) {
		tab, _ := newTab(t, browser)
		do(t, tab, chromedp.Navigate(base+"/login?next=/updates"))
		submitLogin(t, tab, "val", password)
		waitLocation(t, tab, base+"/updates")
		n, err := chromedp.Run(tab, chromedp.Evaluate[int](`document.querySelectorAll('.rollout, #versions').length`))
		require.NoError(t, err)
		assert.Zero(t, n)
	})
}

// waitStatus waits, across the form post's page load, for a wave's status.
func waitStatus(t *testing.T, ctx context.Context, sel, want string) {
	t.Helper()
	require.Eventually(t, func() bool {
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.readyState === 'complete' ? document.querySelector('`+sel+`')?.dataset.status : ''`))
		return err == nil && v == want
	}, 10*time.Second, 50*time.Millisecond, "wave %s %s", sel, want)
}

func attrOf(t *testing.T, ctx context.Context, sel, name string) string {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('`+sel+`').getAttribute('`+name+`')`))
	require.NoError(t, err)
	return v
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
