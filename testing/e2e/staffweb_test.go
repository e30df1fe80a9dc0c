package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// peakRSS reads a process's peak resident memory (VmHWM) in bytes.
func peakRSS(t *testing.T, pid int) int64 {
	t.Helper()
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	require.NoError(t, err)
	for _, l := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			require.NoError(t, err)
			return kb << 10
		}
	}
	t.Fatal("no VmHWM in /proc status")
	return 0
}

// clientFrom is an HTTP client whose connections leave from a given
// loopback address, as another machine's would.
func clientFrom(ip string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
	return &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
}

func postLogin(c *http.Client, url, name, password string) (int, http.Header, error) {
	body := fmt.Sprintf(`{"name":%q,"password":%q}`, name, password)
	res, err := c.Post(url+"/api/v1/auth/login", "application/json", strings.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	res.Body.Close()
	return res.StatusCode, res.Header, nil
}

// A flood of parallel wrong passwords for the admin, from one address, is
// mostly refused at once with a wait to respect; the fleet's memory stays
// bounded (argon2 runs under a limit sized to memory), and the real admin
// still logs in from another address during the flood.
func TestStaffLoginFloodIsBounded(t *testing.T) {
	f := newFleet(t)
	const flood = 100
	attacker := clientFrom("127.0.0.1")
	statuses := make(chan int, flood)
	refused := make(chan struct{}, flood)
	var wg sync.WaitGroup
	for i := 0; i < flood; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			status, h, err := postLogin(attacker, f.url, "admin", fmt.Sprintf("guess-number-%d", i))
			if err != nil {
				t.Errorf("flood login: %v", err)
				return
			}
			if status == http.StatusTooManyRequests {
				secs, err := strconv.Atoi(h.Get("Retry-After"))
				assert.NoError(t, err, "a 429 says when to try again")
				assert.Positive(t, secs)
				refused <- struct{}{}
			}
			statuses <- status
		}()
	}
	<-refused // the flood is on

	status, _, err := postLogin(clientFrom("127.0.0.2"), f.url, "admin", adminPassword)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, status, "the admin is not locked out by someone else's guessing")

	wg.Wait()
	close(statuses)
	counts := map[int]int{}
	for s := range statuses {
		counts[s]++
	}
	assert.GreaterOrEqual(t, counts[http.StatusTooManyRequests], 90, "most of the flood is refused without a password check: %v", counts)
	assert.Equal(t, flood, counts[http.StatusTooManyRequests]+counts[http.StatusUnauthorized], "only 401 and 429: %v", counts)

	peak := peakRSS(t, f.proc.cmd.Process.Pid)
	t.Logf("fleet peak RSS %d MiB", peak>>20)
	assert.Less(t, peak, int64(400<<20), "the fleet's peak memory stays bounded")

	status, _, err = postLogin(attacker, f.url, "admin", adminPassword)
	require.NoError(t, err)
	assert.Equal(t, http.StatusTooManyRequests, status, "the guessing address waits, even with the right password")
}

// A request body sent a byte at a time cannot hold a connection: the
// fleet cuts it off once the read timeout has passed.
func TestSlowBodyIsCutOff(t *testing.T) {
	f := newFleet(t, "--http-read-timeout", "2s")
	conn, err := net.Dial("tcp", f.addr)
	require.NoError(t, err)
	defer conn.Close()
	const size = 600 // at one byte a second, ten minutes
	_, err = fmt.Fprintf(conn, "POST /api/v1/auth/login HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", f.addr, size)
	require.NoError(t, err)

	type ending struct {
		got []byte
		err error
	}
	answered := make(chan ending, 1)
	go func() {
		// Bounds the wait for the cut-off, which must come; no speed is asserted.
		conn.SetReadDeadline(time.Now().Add(60 * time.Second))
		var got bytes.Buffer
		buf := make([]byte, 4096)
		for {
			n, err := conn.Read(buf)
			got.Write(buf[:n])
			if err != nil {
				answered <- ending{got.Bytes(), err}
				return
			}
		}
	}()
	sent := 0
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case end := <-answered:
			require.NotErrorIs(t, end.err, os.ErrDeadlineExceeded, "the fleet still held the connection after a minute")
			assert.Less(t, sent, size, "the connection ended before the body did")
			if len(end.got) > 0 {
				assert.Contains(t, string(end.got), "HTTP/1.1 408", "an answer, if any, is 408")
			}
			return
		case <-tick.C:
			if _, err := conn.Write([]byte(" ")); err == nil {
				sent++
			}
		}
	}
}

// cookieLogin logs in through the browser flow and returns the session
// cookie; the answer's body holds no token for a script to read.
func cookieLogin(t *testing.T, f *fleet) *http.Cookie {
	res, err := http.Post(f.url+"/api/v1/auth/login", "application/json",
		strings.NewReader(fmt.Sprintf(`{"name":"admin","password":%q,"cookie":true}`, adminPassword)))
	require.NoError(t, err)
	defer res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	var body map[string]any
	require.NoError(t, json.NewDecoder(res.Body).Decode(&body))
	assert.NotContains(t, body, "token", "the browser's login hands no token to scripts")
	assert.Equal(t, "admin", body["name"])
	for _, c := range res.Cookies() {
		if c.Name == "piste_session" {
			assert.True(t, c.HttpOnly)
			return c
		}
	}
	t.Fatal("no session cookie")
	return nil
}

// Another site cannot write with an admin's session cookie: a form post
// (no JSON, foreign or no Origin) makes no enrollment code. The fleet's
// own pages and bearer-token clients still work.
func TestCookieWritesNeedSameOriginJSON(t *testing.T) {
	f := newFleet(t)
	cookie := cookieLogin(t, f)
	self := "http://" + f.addr
	const form = "application/x-www-form-urlencoded"
	tests := []struct {
		name, path, ctype, body string
		headers                 map[string]string
		bearer                  bool
		status                  int
	}{
		{"form post from another site", "/api/v1/enroll-codes", form, "branch=kallio", map[string]string{"Origin": "http://evil.example"}, false, 403},
		{"form post with no content type", "/api/v1/enroll-codes", "", `{"branch":"kallio"}`, map[string]string{"Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site"}, false, 403},
		{"JSON from another site", "/api/v1/enroll-codes", "application/json", `{"branch":"kallio"}`, map[string]string{"Origin": "http://evil.example"}, false, 403},
		{"JSON from a sibling site", "/api/v1/enroll-codes", "application/json", `{"branch":"kallio"}`, map[string]string{"Sec-Fetch-Site": "same-site"}, false, 403},
		{"opaque origin", "/api/v1/enroll-codes", "application/json", `{"branch":"kallio"}`, map[string]string{"Origin": "null"}, false, 403},
		{"no origin at all", "/api/v1/enroll-codes", "application/json", `{"branch":"kallio"}`, nil, false, 403},
		{"same origin but not JSON", "/api/v1/enroll-codes", "text/plain", `{"branch":"kallio"}`, map[string]string{"Origin": self}, false, 415},
		{"same origin with no content type", "/api/v1/enroll-codes", "", `{"branch":"kallio"}`, map[string]string{"Sec-Fetch-Site": "same-origin"}, false, 415},
		{"guest-pass form from another site", "/guest-passes", form, "branch=kallio&count=1&minutes=5&days=1", map[string]string{"Origin": "http://evil.example"}, false, 403},
		{"logout form from another site", "/logout", form, "", map[string]string{"Origin": "http://evil.example"}, false, 403},
		{"the page's own JSON write", "/api/v1/enroll-codes", "application/json", `{"branch":"kallio"}`, map[string]string{"Origin": self}, false, 201},
		{"the page's own write, fetch metadata", "/api/v1/enroll-codes", "application/json", `{"branch":"kallio"}`, map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": "null"}, false, 201},
		{"the page's own guest-pass form", "/guest-passes", form, "branch=kallio&count=1&minutes=5&days=1", map[string]string{"Origin": self}, false, 200},
		{"a script with a bearer token", "/api/v1/enroll-codes", "application/json", `{"branch":"kallio"}`, nil, true, 201},
	}
	made := 0
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest("POST", f.url+tc.path, strings.NewReader(tc.body))
			require.NoError(t, err)
			if tc.ctype != "" {
				req.Header.Set("Content-Type", tc.ctype)
			}
			for k, v := range tc.headers {
				req.Header.Set(k, v)
			}
			if tc.bearer {
				req.Header.Set("Authorization", "Bearer "+f.token)
			} else {
				req.AddCookie(cookie)
			}
			res, err := noRedirects.Do(req)
			require.NoError(t, err)
			res.Body.Close()
			assert.Equal(t, tc.status, res.StatusCode)
			if res.StatusCode < 300 {
				made++
			}
		})
	}
	var entries []struct{ Action string }
	require.Equal(t, 200, f.call("GET", "/api/v1/audit", f.token, nil, &entries))
	done := 0
	for _, e := range entries {
		if e.Action == "enroll-code" || e.Action == "guest-passes" {
			done++
		}
	}
	assert.Equal(t, made, done, "only the allowed writes happened")
}

var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// The post-login redirect stays on the site, whatever next= says.
func TestPostLoginRedirectStaysLocal(t *testing.T) {
	f := newFleet(t)
	cookie := cookieLogin(t, f)
	tests := []struct{ rawNext, want string }{
		{"/%09/evil.example/x", "/"},
		{"//evil.example/x", "/"},
		{"/%5Cevil.example", "/"},
		{"%5C%5Cevil.example", "/"},
		{"/%0d%0a/evil.example", "/"},
		{"https://evil.example/", "/"},
		{"javascript:alert(1)", "/"},
		{"http:/evil.example", "/"},
		{"/%E2%80%A8/evil.example", "/"},
		{"evil.example", "/"},
		{"/terminals/t-1%3Fx%3D1", "/terminals/t-1?x=1"},
	}
	for _, tc := range tests {
		t.Run(tc.rawNext, func(t *testing.T) {
			req, err := http.NewRequest("GET", f.url+"/login?next="+tc.rawNext, nil)
			require.NoError(t, err)
			req.AddCookie(cookie)
			res, err := noRedirects.Do(req)
			require.NoError(t, err)
			res.Body.Close()
			assert.Equal(t, http.StatusSeeOther, res.StatusCode)
			assert.Equal(t, tc.want, res.Header.Get("Location"), "logged in: straight on")

			res, err = noRedirects.Get(f.url + "/login?next=" + tc.rawNext)
			require.NoError(t, err)
			page, _ := io.ReadAll(res.Body)
			res.Body.Close()
			assert.Contains(t, string(page), `data-next="`+html.EscapeString(tc.want)+`"`, "logged out: the form goes on to the same place")
		})
	}
}

// Metrics are not on the API's address; they are on the metrics address.
func TestMetricsAreApart(t *testing.T) {
	f := newFleet(t, "--metrics-addr", "127.0.0.1:0")
	res, err := http.Get(f.url + "/metrics")
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusNotFound, res.StatusCode)
	metricsURL := f.metricsURL()
	res, err = http.Get(metricsURL)
	require.NoError(t, err)
	raw, _ := io.ReadAll(res.Body)
	res.Body.Close()
	assert.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, string(raw), "go_goroutines")
}
