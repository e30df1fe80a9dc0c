package browser

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"piste/fleet/api"
	"piste/fleet/signage/signagetest"
)

// assertNoInlineSignageCode is assertNoInlineCode allowing the pages' JSON
// data blocks, which the browser never runs.
func assertNoInlineSignageCode(t *testing.T, ctx context.Context) {
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

// waitReload polls a condition across the page reloads that the editor's
// forms cause, where an evaluation may meet a page going away.
func waitReload(t *testing.T, ctx context.Context, expr, what string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waited 15s for %s (%s): %v", what, expr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestSignageEditorPages walks an editor through the pages: upload, a slide
// refused for its contrast and one accepted, a playlist, a draft schedule
// published, an urgent notice sent and withdrawn, and the preview at two
// screen shapes; then checks that another branch's editor sees none of it
// and a volunteer gets no signage page.
func TestSignageEditorPages(t *testing.T) {
	browser := newBrowser(t)
	srv := startFleet(t)
	addBranch(t, srv, "kallio", "Kallio library")
	addBranch(t, srv, "toolo", "Töölö library")
	addUser(t, srv, "eve", api.RoleEditor, "kallio")
	addUser(t, srv, "tom", api.RoleEditor, "toolo")
	addUser(t, srv, "val", api.RoleVolunteer, "kallio")
	base := srv.URL
	ctx, console := newTab(t, browser)
	poster := filepath.Join(t.TempDir(), "poster.png")
	require.NoError(t, os.WriteFile(poster, signagetest.PNG(400, 300), 0o644))
	bomb := filepath.Join(t.TempDir(), "innocent.png")
	require.NoError(t, os.WriteFile(bomb, signagetest.Bomb(10000, 10000), 0o644))

	do(t, ctx, chromedp.Navigate(base+"/signage?lang=en"))
	submitLogin(t, ctx, "eve", password)
	do(t, ctx, chromedp.WaitVisible(chromedp.ID("upload-form")))
	assertNoInlineSignageCode(t, ctx)

	// Upload without script: the form posts, the page comes back with it.
	do(t, ctx, chromedp.SetValue(chromedp.ID("u-title"), "Poster"),
		chromedp.SetUploadFiles(chromedp.ID("u-file"), []string{poster}),
		chromedp.Submit(chromedp.ID("upload-form")),
		chromedp.WaitVisible(chromedp.CSS(`#content img.thumb`)))
	assert.Contains(t, text(t, ctx, "#content"), "Poster")
	// A bomb is refused with its own message and nothing is added.
	do(t, ctx, chromedp.SetUploadFiles(chromedp.ID("u-file"), []string{bomb}),
		chromedp.Submit(chromedp.ID("upload-form")), chromedp.WaitVisible(chromedp.ID("page-error")))
	assert.Contains(t, text(t, ctx, "#page-error"), "decompression bomb")

	// Low contrast is shown while choosing and refused by the fleet.
	do(t, ctx, chromedp.SetValue(chromedp.ID("s-title"), "<b>Story time</b>"),
		chromedp.SetValue(chromedp.ID("s-body"), "Saturdays at 11"),
		chromedp.SetValue(chromedp.ID("s-fg"), "#f5f5f0"),
		chromedp.SetValue(chromedp.ID("s-bg"), "#ffffff"),
		chromedp.Evaluate[chromedp.Void](`document.getElementById('s-bg').dispatchEvent(new Event('change'))`))
	assert.Contains(t, text(t, ctx, "#contrast"), "too low")
	do(t, ctx, chromedp.Click(chromedp.CSS(`#slide-form button[type=submit]`)))
	waitReload(t, ctx, `document.getElementById('result').textContent.includes('contrast')`, "the contrast refusal")
	do(t, ctx, chromedp.SetValue(chromedp.ID("s-fg"), "#ffffff"), chromedp.SetValue(chromedp.ID("s-bg"), "#003a70"),
		chromedp.Click(chromedp.CSS(`#slide-form button[type=submit]`)))
	waitReload(t, ctx, `document.querySelectorAll('#content tbody tr').length === 2`, "the slide in the list")
	// What an editor typed is shown as text, never as markup.
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('#content b').length`))
	require.NoError(t, err)
	assert.Zero(t, n, "the slide's title became markup")

	// A playlist of both, 5 s each.
	do(t, ctx, chromedp.Evaluate[chromedp.Void](`document.querySelectorAll('input.secs').forEach(e => e.value = 5)`),
		chromedp.SetValue(chromedp.ID("p-name"), "Lobby"),
		chromedp.Click(chromedp.CSS(`#playlist-form button[type=submit]`)))
	waitReload(t, ctx, `document.querySelectorAll('#playlists li').length === 1`, "the playlist")

	// A draft schedule, then published.
	do(t, ctx, chromedp.Click(chromedp.CSS(`#schedule-form input[name=branch][value=kallio]`)),
		chromedp.Click(chromedp.CSS(`#schedule-form button[type=submit]`)))
	waitReload(t, ctx, `!!document.querySelector('[data-publish]')`, "the draft schedule")
	do(t, ctx, chromedp.Click(chromedp.CSS(`[data-publish]`)))
	waitReload(t, ctx, `!document.querySelector('[data-publish]') && document.getElementById('schedules').textContent.includes('Published by eve')`, "the publication")

	// An urgent notice, listed, then withdrawn.
	do(t, ctx, chromedp.SetValue(chromedp.ID("n-text"), "Closing at 15 today"),
		chromedp.Click(chromedp.CSS(`#notice-form input[name=branch][value=kallio]`)),
		chromedp.Click(chromedp.CSS(`#notice-form button[type=submit]`)))
	waitReload(t, ctx, `!!document.querySelector('[data-withdraw]')`, "the notice in the list")
	do(t, ctx, chromedp.Click(chromedp.CSS(`[data-withdraw]`)))
	waitReload(t, ctx, `!document.querySelector('[data-withdraw]') && document.readyState === 'complete'`, "the withdrawal")

	// The preview plays the playlist at the screen's shape.
	do(t, ctx, chromedp.Click(chromedp.CSS(`#playlists a`)), chromedp.WaitVisible(chromedp.ID("screen")))
	waitReload(t, ctx, `document.getElementById('screen').dataset.drawn === 'image'`, "the letterboxed image")
	dims, err := chromedp.Run(ctx, chromedp.Evaluate[[]int](`[document.getElementById('screen').width, document.getElementById('screen').height]`))
	require.NoError(t, err)
	assert.Equal(t, []int{960, 540}, dims)
	do(t, ctx, chromedp.Navigate(location(t, ctx)+"?aspect=9:16"), chromedp.WaitVisible(chromedp.ID("screen")))
	dims, err = chromedp.Run(ctx, chromedp.Evaluate[[]int](`[document.getElementById('screen').width, document.getElementById('screen').height]`))
	require.NoError(t, err)
	assert.Equal(t, []int{540, 960}, dims)
	assertNoInlineSignageCode(t, ctx)
	assert.Empty(t, console.errors("400", "422"), "console errors")

	// Another branch's editor sees none of it; a volunteer has no page here.
	other, _ := newTab(t, browser)
	do(t, other, chromedp.Navigate(base+"/signage?lang=en"))
	submitLogin(t, other, "tom", password)
	do(t, other, chromedp.WaitVisible(chromedp.ID("content")))
	body := text(t, other, "#main")
	assert.NotContains(t, body, "Poster")
	assert.NotContains(t, body, "Lobby")
	vol, _ := newTab(t, browser)
	do(t, vol, chromedp.Navigate(base+"/signage?lang=en"))
	submitLogin(t, vol, "val", password)
	waitReload(t, vol, `location.pathname === '/signage' && !document.getElementById('login-form') && document.readyState === 'complete'`, "the volunteer's page")
	assert.Contains(t, text(t, vol, "#main"), "volunteer")
	assert.NotContains(t, text(t, vol, "#main"), "Poster")
}
