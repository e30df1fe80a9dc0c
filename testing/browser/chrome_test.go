package browser

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// chromiumPath is where Debian's chromium package installs the browser.
const chromiumPath = "/usr/bin/chromium"

// newBrowser starts a headless Chromium with a fresh profile; the flags
// keep it from reaching for the network on its own (the test machine has
// none). Tabs made from the returned context share the browser.
func newBrowser(t testing.TB) context.Context {
	t.Helper()
	return newBrowserFor(t, 3*time.Minute)
}

// newBrowserFor is newBrowser for a run of up to d (benchmarks take longer).
func newBrowserFor(t testing.TB, d time.Duration) context.Context {
	t.Helper()
	if testing.Short() {
		t.Skip("starts a real browser; skipped with -short")
	}
	path := chromiumPath
	if _, err := os.Stat(path); err != nil {
		found, lerr := exec.LookPath("chromium")
		if lerr != nil {
			t.Skipf("needs Chromium at %s (apt-get install chromium; make test installs it): %v", chromiumPath, err)
		}
		path = found
	}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox, // tests run as root in CI, where the sandbox refuses to start
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(1280, 900),
		chromedp.UserDataDir(t.TempDir()),
	)
	t.Cleanup(cancelAlloc)
	bctx, cancelBrowser := chromedp.NewContext(allocCtx)
	t.Cleanup(cancelBrowser)
	require.NoError(t, chromedp.Do(bctx), "start Chromium")
	return bctx
}

// newTab opens a tab in its own browser context (own cookies, like a
// private window) and records its console.
func newTab(t *testing.T, browser context.Context) (context.Context, *consoleLog) {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	require.NoError(t, chromedp.Do(ctx), "open tab")
	log := &consoleLog{}
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			log.add(m)
		}
	}()
	return ctx, log
}

// consoleLog collects a tab's console messages: script errors, failed
// loads and Content-Security-Policy violations all land here.
type consoleLog struct {
	mu   sync.Mutex
	msgs []chromedp.ConsoleMessage
}

func (l *consoleLog) add(m chromedp.ConsoleMessage) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.msgs = append(l.msgs, m)
}

// errors returns the error-level messages and exceptions, minus the
// failed loads whose HTTP status is expected (a wrong password is a 401).
func (l *consoleLog) errors(expectedStatus ...string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, m := range l.msgs {
		if m.Type != chromedp.ConsoleError && !m.IsException() {
			continue
		}
		if m.Source == "network" && containsAny(m.Text, expectedStatus) {
			continue
		}
		out = append(out, m.String()+" ("+m.URL+")")
	}
	return out
}

// waitFor polls until some message contains text.
func (l *consoleLog) waitFor(t *testing.T, text string) {
	t.Helper()
	require.Eventually(t, func() bool {
		l.mu.Lock()
		defer l.mu.Unlock()
		for _, m := range l.msgs {
			if strings.Contains(m.Text, text) {
				return true
			}
		}
		return false
	}, 10*time.Second, 50*time.Millisecond, "console message containing %q", text)
}

// forget drops messages containing text (probes the test caused itself).
func (l *consoleLog) forget(text string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	kept := l.msgs[:0]
	for _, m := range l.msgs {
		if !strings.Contains(m.Text, text) {
			kept = append(kept, m)
		}
	}
	l.msgs = kept
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// screenshot saves the tab to docs/screenshots when PISTE_SCREENSHOTS=1;
// the images are for people, so a test run leaves them alone otherwise.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	if os.Getenv("PISTE_SCREENSHOTS") != "1" {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	require.NoError(t, err, "screenshot %s", name)
	dir := filepath.Join("..", "..", "docs", "screenshots")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, name), png, 0o644))
	t.Logf("wrote %s", filepath.Join(dir, name))
}
