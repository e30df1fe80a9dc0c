package e2e

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const helperPassword = "volunteer horse battery"

// addStaff adds a staff account with the CLI and logs it in over the API.
func (f *fleet) addStaff(name, role, branch string) string {
	f.t.Helper()
	run(f.t, helperPassword+"\n", 0, "piste-fleet", "user", "add", "--data", f.data, "--name", name, "--role", role, "--branch", branch)
	return f.login(name, helperPassword)
}

// startChromium starts a headless Chromium with a fresh profile and no
// reach for the network of its own.
func startChromium(t *testing.T) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("needs Chromium (apt-get install chromium; make test installs it)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	t.Cleanup(cancel)
	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx, chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.WindowSize(420, 900), // a phone's width
		chromedp.UserDataDir(t.TempDir()))
	t.Cleanup(cancelAlloc)
	browser, cancelBrowser := chromedp.NewContext(alloc)
	t.Cleanup(cancelBrowser)
	require.NoError(t, chromedp.Do(browser), "start Chromium")
	return browser
}

// staffTab opens a private tab and logs a staff member in through the
// login page, landing on next.
func staffTab(t *testing.T, browser context.Context, f *fleet, name, password, next string) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(f.url+"/login?lang=en&next="+next),
		chromedp.WaitVisible(chromedp.ID("login-form")),
		chromedp.SetValue(chromedp.ID("login-name"), name),
		chromedp.SetValue(chromedp.ID("login-password"), password),
		chromedp.Click(chromedp.ID("login-submit")),
	))
	return ctx
}

func js[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	require.NoError(t, err, expr)
	return v
}

// waitPage waits until a JavaScript expression holds in the page; errors
// while a page is being replaced (after a login) are retried.
func waitPage(t *testing.T, ctx context.Context, expr, what string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	var err error
	for time.Now().Before(deadline) {
		var ok bool
		ok, err = chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
		if err == nil && ok {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	page, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.getElementById('queue') || document.body).innerText + ' | frames ' + document.body.dataset.liveFrames`))
	t.Fatalf("waiting for %s (%s): last error %v; the page shows: %s", what, expr, err, page)
}

// agentHelp is the help part of an agent's status, polling-safe.
func (a *agent) help() map[string]any {
	h, _ := a.tryStatus()["help"].(map[string]any)
	return h
}

func (a *agent) onDuty() float64 {
	sup, _ := a.tryStatus()["help_support"].(map[string]any)
	n, _ := sup["on_duty"].(float64)
	if sup == nil {
		return -1
	}
	return n
}

func (f *fleet) get(path, token string) (int, string) {
	f.t.Helper()
	req, err := http.NewRequest("GET", f.url+path, nil)
	require.NoError(f.t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	require.NoError(f.t, err)
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// The whole path of a help request through the real binaries and a real
// browser: the agent asks; a volunteer's page shows it live, rings and
// notifies; two volunteers race for a claim and one wins; they chat both
// ways; the fleet restarts with the request open and both sides still see
// it; the volunteer resolves it; the statistics count it and the anonymous
// export holds nothing that identifies anyone. Branch and role boundaries
// are checked on the way, and a note with markup is shown as text.
func TestHelpRequestEndToEnd(t *testing.T) {
	f := newFleet(t, "--heartbeat", "1s")
	annaTok := f.addStaff("anna", "volunteer", "kallio")
	bertTok := f.addStaff("bert", "volunteer", "kallio")
	cecilTok := f.addStaff("cecil", "volunteer", "oodi")
	edTok := f.addStaff("ed", "editor", "kallio")
	a := enrollAgent(t, f, "kallio", "pc-7")
	a.start()
	eventually(t, 15*time.Second, func() bool { return a.onDuty() == 0 }, "the agent hears its branch's support on connect", a.proc.output)
	browser := startChromium(t)

	// Anna opens her queue on her phone and goes on duty.
	anna := staffTab(t, browser, f, "anna", helperPassword, "/help")
	waitPage(t, anna, `location.pathname === '/help' && document.body.dataset.liveFrames >= 1`, "anna's live queue")
	assert.Empty(t, js[[]string](t, anna, `Array.from(document.querySelectorAll('script:not([src]):not([type="application/json"]), style, [style]'), e => e.tagName)`),
		"no inline code on the volunteer page (strict CSP)")
	require.NoError(t, chromedp.Do(anna,
		chromedp.SetValue(chromedp.ID("display-name"), "Anna"),
		chromedp.Click(chromedp.ID("duty")),
	))
	waitPage(t, anna, `document.getElementById('duty-state').classList.contains('on')`, "anna on duty")
	eventually(t, 10*time.Second, func() bool { return a.onDuty() == 1 }, "the kiosk hears a volunteer is on duty")

	// The page stays loaded from here on, and notifications are granted.
	require.NoError(t, chromedp.Do(anna, chromedp.Evaluate[chromedp.Void](`window.pisteNoReload = true;
		window.notified = [];
		window.Notification = function (title, o) { window.notified.push(title + '|' + o.body); };
		window.Notification.permission = 'granted';`)))

	note := `<img src=x id=injected onerror="window.pwned=1"><script>window.pwned=2</script> & "quotes"`
	asked := time.Now()
	out, _ := run(t, "", 0, "piste-agent", "ctl", "--state", a.state, "help", "--topic", "email", "--lang", "fi", "--note", note)
	assert.Contains(t, out, "place 1 in the queue")
	waitPage(t, anna, `document.querySelectorAll('#queue li.help-request').length === 1`, "the request on anna's page")
	t.Logf("request shown on the volunteer's page %v after the agent was asked", time.Since(asked).Round(time.Millisecond))
	assert.True(t, js[bool](t, anna, `window.pisteNoReload === true`), "shown without a reload")
	assert.Equal(t, note, js[string](t, anna, `document.querySelector('#queue .req-note').textContent`), "the note is text")
	assert.True(t, js[bool](t, anna, `document.getElementById('injected') === null && window.pwned === undefined`), "no markup from a note runs")
	assert.Equal(t, "pc-7", js[string](t, anna, `document.querySelector('#queue .req-where').textContent`))
	assert.Equal(t, "E-mail", js[string](t, anna, `document.querySelector('#queue .req-topic').textContent`))
	assert.Equal(t, "1", js[string](t, anna, `document.getElementById('queue').dataset.alerts`), "a new request rings")
	assert.Equal(t, []string{"New help request|E-mail at pc-7"}, js[[]string](t, anna, `window.notified`))
	help := a.help()
	require.NotNil(t, help)
	assert.Equal(t, "open", help["status"])
	assert.EqualValues(t, 1, help["position"])
	id, _ := help["id"].(string)

	// What volunteers get names where and what, never who.
	status, body := f.get("/api/v1/help-requests?status=open", annaTok)
	require.Equal(t, 200, status, body)
	var items []map[string]any
	require.NoError(t, json.Unmarshal([]byte(body), &items))
	require.Len(t, items, 1)
	for k := range items[0] {
		assert.NotContains(t, []string{"card", "card_hint", "card_hash", "name", "patron", "session_id", "terminal_id"}, k)
	}

	// Branch and role boundaries.
	status, body = f.get("/api/v1/help-requests", cecilTok)
	assert.Equal(t, 200, status)
	assert.JSONEq(t, `[]`, body, "a volunteer of another branch sees none of kallio's")
	assert.Equal(t, 404, f.call("POST", "/api/v1/help-requests/"+id+"/claim", cecilTok, struct{}{}, nil), "nor claims one")
	status, _ = f.get("/api/v1/help-requests", edTok)
	assert.Equal(t, 403, status, "an editor sees no requests")
	assert.Equal(t, 403, f.call("POST", "/api/v1/help-requests/"+id+"/claim", edTok, struct{}{}, nil))
	hdr := http.Header{"Authorization": {"Bearer " + edTok}}
	_, res, err := websocket.DefaultDialer.Dial(strings.Replace(f.url, "http", "ws", 1)+"/api/v1/help/live", hdr)
	require.Error(t, err)
	assert.Equal(t, 403, res.StatusCode, "nor follows the live queue")
	status, _ = f.get("/api/v1/stats/help", annaTok)
	assert.Equal(t, 403, status, "statistics are for coordinators (admins)")

	// Two volunteers claim a walk-in at once: exactly one wins.
	var walkIn map[string]any
	require.Equal(t, 201, f.call("POST", "/api/v1/help-requests", f.token,
		map[string]any{"branch": "kallio", "topic": "printing", "language": "sv"}, &walkIn))
	wid, _ := walkIn["id"].(string)
	codes := make([]int, 2)
	var wg sync.WaitGroup
	for i, tok := range []string{annaTok, bertTok} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i] = f.call("POST", "/api/v1/help-requests/"+wid+"/claim", tok, struct{}{}, nil)
		}()
	}
	wg.Wait()
	assert.ElementsMatch(t, []int{200, 409}, codes, "exactly one claim wins")
	winner := annaTok
	if codes[1] == 200 {
		winner = bertTok
	}
	require.Equal(t, 200, f.call("POST", "/api/v1/help-requests/"+wid+"/resolve", winner,
		map[string]string{"outcome": "partly"}, nil))

	// Anna takes the kiosk's request from her page; the kiosk hears who comes.
	require.NoError(t, chromedp.Do(anna, chromedp.Click(chromedp.CSS(`li[data-id="`+id+`"] .req-claim`))))
	waitPage(t, anna, `document.querySelector('li[data-id="`+id+`"]').classList.contains('mine')`, "the request is anna's")
	eventually(t, 10*time.Second, func() bool { h := a.help(); return h["status"] == "claimed" && h["volunteer"] == "Anna" },
		"the kiosk shows Anna is on her way", func() string { return toJSON(a.help()) })

	// Chat both ways.
	require.NoError(t, chromedp.Do(anna,
		chromedp.SetValue(chromedp.CSS(`li[data-id="`+id+`"] .req-say-text`), "Tulen kahden minuutin päästä"),
		chromedp.Click(chromedp.CSS(`li[data-id="`+id+`"] .req-say-send`)),
	))
	eventually(t, 10*time.Second, func() bool { return strings.Contains(toJSON(a.help()), "Tulen kahden minuutin") },
		"the kiosk gets the volunteer's message", func() string { return toJSON(a.help()) })
	reply := `Kiitos <b id="bold">odotan</b>`
	run(t, "", 0, "piste-agent", "ctl", "--state", a.state, "help-say", "--text", reply)
	waitPage(t, anna, `document.querySelectorAll('li[data-id="`+id+`"] .req-messages li').length === 2`, "the visitor's reply on the page")
	assert.Equal(t, reply, js[string](t, anna, `document.querySelector('li[data-id="`+id+`"] .req-messages li:last-child .msg-text').textContent`))
	assert.True(t, js[bool](t, anna, `document.getElementById('bold') === null`), "a reply is text")

	// The fleet restarts with the request open: nothing is lost.
	f.proc.stop(syscall.SIGTERM)
	waitPage(t, anna, `document.getElementById('live-state').classList.contains('warn')`, "the page notices the fleet is gone")
	f.serve("--heartbeat", "1s")
	waitPage(t, anna, `!document.getElementById('live-state').classList.contains('warn') &&
		document.querySelector('li[data-id="`+id+`"]').classList.contains('mine')`, "the page back with the request still anna's")
	eventually(t, 20*time.Second, func() bool { return a.linkField("connected") == true }, "the agent reconnects")
	h := a.help()
	assert.Equal(t, "claimed", h["status"], "the kiosk still sees its claimed request")
	assert.Equal(t, "Anna", h["volunteer"])
	assert.Len(t, h["messages"], 2)
	assert.True(t, js[bool](t, anna, `window.pisteNoReload === true`), "the page reconnected without a reload")

	// Anna resolves it with the topic it turned out to be.
	require.NoError(t, chromedp.Do(anna,
		chromedp.SetValue(chromedp.CSS(`li[data-id="`+id+`"] .req-outcome`), "solved"),
		chromedp.SetValue(chromedp.CSS(`li[data-id="`+id+`"] .req-final-topic`), "eservices"),
		chromedp.Click(chromedp.CSS(`li[data-id="`+id+`"] .req-resolve-send`)),
	))
	waitPage(t, anna, `document.querySelector('li[data-id="`+id+`"]') === null`, "the resolved request leaves the queue")
	eventually(t, 10*time.Second, func() bool { return a.help()["status"] == "resolved" }, "the kiosk hears it is resolved")

	// The statistics count both, and the export identifies no one.
	var st struct {
		Totals struct {
			Requests, Helped int
			ByTopic          map[string]int `json:"by_topic"`
			ByOutcome        map[string]int `json:"by_outcome"`
		}
	}
	require.Equal(t, 200, f.call("GET", "/api/v1/stats/help", f.token, nil, &st))
	assert.Equal(t, 2, st.Totals.Requests)
	assert.Equal(t, 2, st.Totals.Helped)
	assert.Equal(t, map[string]int{"eservices": 1, "printing": 1}, st.Totals.ByTopic, "the corrected topic counts")
	assert.Equal(t, map[string]int{"solved": 1, "partly": 1}, st.Totals.ByOutcome)
	for _, path := range []string{"/api/v1/stats/help.csv", "/api/v1/stats/help.json"} {
		status, export := f.get(path, f.token)
		require.Equal(t, 200, status, export)
		for _, bad := range []string{"pc-7", a.id, "Anna", "anna", "bert", "odotan", "injected", "Tulen", id, wid} {
			assert.NotContains(t, export, bad, "%s holds no identifying field", path)
		}
		assert.Contains(t, export, "kallio")
	}
	_, csv := f.get("/api/v1/stats/help.csv", f.token)
	assert.Contains(t, csv, "branch,day,topic,language,requests,")
	assert.Contains(t, csv, ",eservices,fi,,", "a count of one is left out")

	// The coordinator's page shows the same figures.
	admin := staffTab(t, browser, f, "admin", adminPassword, "/help/stats")
	waitPage(t, admin, `document.body.dataset.statsLoaded >= 1`, "the statistics page")
	assert.Equal(t, "2", js[string](t, admin, `document.querySelector('[data-key=requests] dd').textContent`))
	assert.Equal(t, 2, js[int](t, admin, `document.querySelectorAll('#chart-topic rect').length`))
	assert.Empty(t, js[[]string](t, admin, `Array.from(document.querySelectorAll('script:not([src]):not([type="application/json"]), style, [style]'), e => e.tagName)`),
		"no inline code (strict CSP)")
}

func toJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// A help request asked in a visitor's session ends with the session, and
// one asked from the welcome screen ends when a session starts: no
// request outlives its visitor.
func TestHelpRequestEndsWithTheSession(t *testing.T) {
	s := newVisitorSetup(t, "max_minutes: 30")
	vol := s.f.addStaff("anna", "volunteer", "kallio")
	welcome, _ := s.ctl(t, "", 0, "help", "--topic", "other", "--lang", "sv")
	assert.Contains(t, welcome, "help requested")
	s.login(t, "20000001", "1234", 0)
	eventually(t, 15*time.Second, func() bool {
		_, body := s.f.get("/api/v1/help-requests", vol)
		return body == "[]\n"
	}, "the welcome-screen request ends when the session starts")

	s.ctl(t, "", 0, "help", "--topic", "printing", "--lang", "en", "--note", "the printer says no")
	h := s.a.help()
	require.Equal(t, "open", h["status"])
	assert.Equal(t, "session", h["source"])
	_, body := s.f.get("/api/v1/help-requests", vol)
	assert.Contains(t, body, "the printer says no")
	assert.NotContains(t, body, "20000001", "no card number")

	s.ctl(t, "", 0, "end")
	s.waitState(t, 30*time.Second, "idle")
	eventually(t, 15*time.Second, func() bool {
		_, body := s.f.get("/api/v1/help-requests", vol)
		return body == "[]\n"
	}, "the session's request is cancelled when the session ends")
	eventually(t, 10*time.Second, func() bool { return s.a.help() == nil }, "the kiosk no longer shows it")
	var st struct{ Rows []struct{ Cancelled int } }
	require.Equal(t, 200, s.f.call("GET", "/api/v1/stats/help", s.f.token, nil, &st))
	cancelled := 0
	for _, r := range st.Rows {
		cancelled += r.Cancelled
	}
	assert.Equal(t, 2, cancelled)
}
