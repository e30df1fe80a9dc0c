package alerts_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"piste/fleet/alerts"
	"piste/fleet/audit"
	"piste/fleet/changes"
	"piste/fleet/fault"
	"piste/fleet/staff"
	"piste/fleet/store"
)

var (
	fleetAdmin  = staff.Member{Name: "ada", Role: staff.RoleAdmin}
	kallioAdmin = staff.Member{Name: "kim", Role: staff.RoleAdmin, Branches: []string{"kallio"}}
	volunteer   = staff.Member{Name: "vera", Role: staff.RoleVolunteer, Branches: []string{"kallio"}}
)

// link is which terminals are connected, as the hub would say.
type link struct {
	mu sync.Mutex
	up map[string]bool
}

func (l *link) Online(id string) (bool, time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.up[id], time.Time{}
}

func (l *link) set(id string, up bool) {
	l.mu.Lock()
	l.up[id] = up
	l.mu.Unlock()
}

type fixture struct {
	st   *store.Store
	svc  *alerts.Service
	link *link
	now  time.Time
	bus  *changes.Bus
}

// A Monday 11:00 in Helsinki; kallio opens 09:00-20:00 on weekdays, oodi
// is closed on Mondays.
var monday = time.Date(2026, 11, 30, 11, 0, 0, 0, time.FixedZone("EET", 2*3600))

func newFixture(t *testing.T) *fixture {
	t.Helper()
	st, err := store.Open(t.TempDir())
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	ctx := context.Background()
	for _, b := range []string{"kallio", "oodi"} {
		require.NoError(t, st.AddBranch(ctx, store.Branch{ID: b, Name: b, TZ: "Europe/Helsinki"}))
	}
	require.NoError(t, st.PutPolicyLayer(ctx, store.PolicyLayer{Scope: "branch:kallio", UpdatedBy: "t",
		YAML: "hours:\n  weekly: {mon: \"09:00-20:00\", tue: \"09:00-20:00\"}\n"}))
	require.NoError(t, st.PutPolicyLayer(ctx, store.PolicyLayer{Scope: "branch:oodi", UpdatedBy: "t",
		YAML: "hours:\n  weekly: {tue: \"09:00-20:00\"}\nalerts:\n  disk_percent: 80\n"}))
	f := &fixture{st: st, link: &link{up: map[string]bool{}}, now: monday, bus: &changes.Bus{}}
	f.svc = alerts.New(st, f.link, audit.New(st))
	f.svc.Now = func() time.Time { return f.now }
	f.svc.Changes = f.bus
	enrolled := monday.Add(-48 * time.Hour)
	seen := monday.Add(-15 * time.Minute)
	require.NoError(t, st.SeedTerminals(ctx, []store.Terminal{
		{ID: "t-k1", Name: "k1", Branch: "kallio", Kind: "pc", EnrolledAt: enrolled, LastSeen: seen, AgentVersion: "1.4.0"},
		{ID: "t-k2", Name: "k2", Branch: "kallio", Kind: "pc", EnrolledAt: enrolled, LastSeen: monday, AgentVersion: "1.3.9",
			Health: store.Health{At: monday, DiskUsedPercent: 85}, HealthReceived: monday},
		{ID: "t-o1", Name: "o1", Branch: "oodi", Kind: "pc", EnrolledAt: enrolled, LastSeen: seen, AgentVersion: "1.4.0",
			Health: store.Health{At: monday.Add(10 * time.Minute), DiskUsedPercent: 85}, HealthReceived: monday},
	}))
	f.link.set("t-k2", true)
	f.link.set("t-o1", true)
	return f
}

func (f *fixture) open(t *testing.T, m staff.Member) map[string]alerts.View {
	t.Helper()
	list, err := f.svc.List(context.Background(), m)
	require.NoError(t, err)
	out := map[string]alerts.View{}
	for _, a := range list {
		out[a.TerminalID+" "+a.Kind] = a
	}
	return out
}

func keys(m map[string]alerts.View) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// Each rule opens its alert when its cause appears and closes it when it
// goes, reading its threshold from the terminal's policy.
func TestRulesOpenAndClose(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	heard := f.bus.Subscribe(changes.AlertsChanged)
	defer heard.Close()

	_, err := f.svc.Check(ctx)
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{
		"t-k1 offline_in_opening_hours", // 15 min unheard, kallio open since 09:00
		"t-k2 version_behind",           // 1.3.9 < 1.4.0, the newest seen
		"t-o1 disk_full",                // 85 % over oodi's 80 %; kallio's 85 % is under the default 90 %
	}, keys(f.open(t, fleetAdmin)), "o1's clock skew waits two minutes")
	_, behind := heard.Take()
	assert.False(t, behind)

	// o1's clock is 10 minutes ahead: after two minutes of it, an alert.
	f.now = f.now.Add(3 * time.Minute)
	_, err = f.svc.Check(ctx)
	require.NoError(t, err)
	assert.Contains(t, f.open(t, fleetAdmin), "t-o1 clock_skew")

	// Causes go away: k1 returns, k2 is updated, o1 goes offline (oodi
	// is closed today, so no offline alert) and its clock no longer counts.
	f.link.set("t-k1", true)
	f.link.set("t-o1", false)
	f.svc.Releases = release("1.3.9")
	_, err = f.svc.Check(ctx)
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"t-o1 disk_full"}, keys(f.open(t, fleetAdmin)))

	// A branch layer turning version alerts off, and a release ahead.
	f.svc.Releases = release("v2.0.0")
	require.NoError(t, f.st.PutPolicyLayer(ctx, store.PolicyLayer{Scope: "branch:oodi", UpdatedBy: "t",
		YAML: "hours:\n  weekly: {tue: \"09:00-20:00\"}\nalerts:\n  version_behind: false\n  disk_percent: 90\n"}))
	_, err = f.svc.Check(ctx)
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"t-k1 version_behind", "t-k2 version_behind"}, keys(f.open(t, fleetAdmin)))
	cs, _ := heard.Take()
	assert.NotEmpty(t, cs, "the changes were announced")
}

type release string

func (r release) Current(context.Context) (string, error) { return string(r), nil }

// The offline rule counts only time the branch was open: a PC off all
// night alerts offline_minutes after opening, not at opening.
func TestOfflineCountsOpeningHoursOnly(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	// k3 was last heard of at 19:00 the evening before.
	require.NoError(t, f.st.SeedTerminals(ctx, []store.Terminal{{ID: "t-k3", Name: "k3", Branch: "kallio", Kind: "pc",
		EnrolledAt: monday.Add(-48 * time.Hour), LastSeen: monday.Add(-16 * time.Hour), AgentVersion: "1.4.0"}}))
	for _, tc := range []struct {
		at   time.Time
		want bool
	}{
		{monday.Add(-2*time.Hour - 1*time.Minute), false}, // 08:59, closed
		{monday.Add(-2*time.Hour + 5*time.Minute), false}, // 09:05, open for 5 min
		{monday.Add(-2*time.Hour + 11*time.Minute), true}, // 09:11
		{monday.Add(9*time.Hour + 5*time.Minute), false},  // 20:05, closed
	} {
		f.now = tc.at
		_, err := f.svc.Check(ctx)
		require.NoError(t, err)
		_, open := f.open(t, fleetAdmin)["t-k3 offline_in_opening_hours"]
		assert.Equal(t, tc.want, open, "at %s", tc.at.Format("15:04"))
	}
}

// Acknowledging is for admins of the alert's branch, audited, once.
func TestAckIsScopedAndAudited(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	_, err := f.svc.Check(ctx)
	require.NoError(t, err)
	open := f.open(t, fleetAdmin)
	k1 := open["t-k1 offline_in_opening_hours"]
	o1 := open["t-o1 disk_full"]

	assert.NotContains(t, f.open(t, kallioAdmin), "t-o1 disk_full", "another branch's alert is not listed")
	_, err = f.svc.List(ctx, volunteer)
	assert.ErrorIs(t, err, fault.ErrForbidden)
	_, err = f.svc.Ack(ctx, volunteer, itoa(k1.ID))
	assert.ErrorIs(t, err, fault.ErrForbidden)
	_, err = f.svc.Ack(ctx, kallioAdmin, itoa(o1.ID))
	assert.ErrorIs(t, err, fault.ErrNotFound, "another branch's alert")
	_, err = f.svc.Ack(ctx, kallioAdmin, "nine")
	assert.ErrorIs(t, err, fault.ErrNotFound)

	v, err := f.svc.Ack(ctx, kallioAdmin, itoa(k1.ID))
	require.NoError(t, err)
	assert.Equal(t, "kim", v.AckedBy)
	_, err = f.svc.Ack(ctx, fleetAdmin, itoa(k1.ID))
	assert.ErrorIs(t, err, fault.ErrConflict, "acknowledged once")
	entries, err := f.st.AuditLog(ctx, 1)
	require.NoError(t, err)
	assert.Equal(t, "alert-ack", entries[0].Action)
	assert.Equal(t, "terminal:t-k1", entries[0].Target)

	// An acknowledged alert still closes when its cause goes.
	f.link.set("t-k1", true)
	_, err = f.svc.Check(ctx)
	require.NoError(t, err)
	assert.NotContains(t, f.open(t, fleetAdmin), "t-k1 offline_in_opening_hours")
	_, err = f.svc.Ack(ctx, fleetAdmin, itoa(o1.ID))
	require.NoError(t, err)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// smtpServer is a real SMTP listener on loopback that keeps each message.
type smtpServer struct {
	ln   net.Listener
	msgs chan string
}

func newSMTPServer(t *testing.T) *smtpServer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	s := &smtpServer{ln: ln, msgs: make(chan string, 10)}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.session(c)
		}
	}()
	return s
}

func (s *smtpServer) session(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	say := func(line string) { c.Write([]byte(line + "\r\n")) }
	say("220 localhost ESMTP test")
	var rcpt []string
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.ToUpper(strings.TrimSpace(line))
		switch {
		case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
			say("250 localhost")
		case strings.HasPrefix(cmd, "MAIL FROM:"):
			say("250 ok")
		case strings.HasPrefix(cmd, "RCPT TO:"):
			rcpt = append(rcpt, strings.TrimSpace(line[len("RCPT TO:"):]))
			say("250 ok")
		case cmd == "DATA":
			say("354 go on")
			var body strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				body.WriteString(l)
			}
			s.msgs <- "RCPT " + strings.Join(rcpt, ",") + "\r\n" + body.String()
			say("250 queued")
		case cmd == "QUIT":
			say("221 bye")
			return
		default:
			say("250 ok")
		}
	}
}

// New alerts reach the branch's contact once: by e-mail through a real
// SMTP listener, and by webhook to a real HTTP server; a failing webhook
// is tried again at the next round.
func TestNotifyByEmailAndWebhook(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	mailer := newSMTPServer(t)
	var mu sync.Mutex
	var posts []map[string][]alerts.View
	fail := true
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if fail {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		var body map[string][]alerts.View
		if err := json.NewDecoder(r.Body).Decode(&body); err == nil && r.Header.Get("Content-Type") == "application/json" {
			posts = append(posts, body)
		}
	}))
	defer hook.Close()
	dir := t.TempDir()
	file := filepath.Join(dir, "contacts.yaml")
	require.NoError(t, os.WriteFile(file, []byte(`
smtp: {addr: "`+mailer.ln.Addr().String()+`", from: "piste@example.org"}
branches:
  kallio: {email: "it-kallio@example.org"}
  oodi: {webhook: "`+hook.URL+`/hook"}
`), 0o600))
	contacts, err := alerts.LoadContacts(file)
	require.NoError(t, err)
	f.svc.Notifier = alerts.NewNotifier(contacts)
	reg := prometheus.NewRegistry()
	f.svc.Metrics = alerts.NewMetrics(reg, f.st)

	_, err = f.svc.Check(ctx)
	require.NoError(t, err)
	err = f.svc.Notify(ctx)
	require.Error(t, err, "the webhook is down")
	select {
	case m := <-mailer.msgs:
		assert.Contains(t, m, "RCPT <it-kallio@example.org>")
		assert.Contains(t, m, "Subject: Piste: 2 new alert(s) in kallio")
		assert.Contains(t, m, "offline_in_opening_hours on terminal t-k1")
		assert.Contains(t, m, "version_behind on terminal t-k2")
	case <-time.After(10 * time.Second):
		t.Fatal("no mail")
	}
	mu.Lock()
	fail = false
	mu.Unlock()
	require.NoError(t, f.svc.Notify(ctx))
	require.NoError(t, f.svc.Notify(ctx), "nothing new")
	mu.Lock()
	require.Len(t, posts, 1, "oodi's alert once, after the failure")
	assert.Equal(t, "t-o1", posts[0]["alerts"][0].TerminalID)
	assert.Equal(t, "disk_full", posts[0]["alerts"][0].Kind)
	mu.Unlock()
	select {
	case m := <-mailer.msgs:
		t.Fatalf("kallio was told twice: %s", m)
	default:
	}
	got := gather(t, reg)
	assert.Equal(t, 1.0, got["piste_alert_notifications_total{webhook,failed}"])
	assert.Equal(t, 1.0, got["piste_alert_notifications_total{webhook,sent}"])
	assert.Equal(t, 1.0, got["piste_alert_notifications_total{email,sent}"])
	assert.Equal(t, 1.0, got["piste_alerts_open_by_kind{disk_full}"])
	assert.Equal(t, 0.0, got["piste_alerts_open_by_kind{clock_skew}"])
	assert.Equal(t, 3.0, got["piste_alerts_opened_total{version_behind}"]+got["piste_alerts_opened_total{offline_in_opening_hours}"]+got["piste_alerts_opened_total{disk_full}"])
	n := 0
	for k := range got {
		if strings.HasPrefix(k, "piste_alerts_open_by_kind{") {
			n++
		}
	}
	assert.Equal(t, 5, n, "every kind has a series")
}

// gather reads a registry as "name{label values}" → value.
func gather(t *testing.T, reg *prometheus.Registry) map[string]float64 {
	t.Helper()
	mfs, err := reg.Gather()
	require.NoError(t, err)
	out := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, l.GetValue())
			}
			v := m.GetCounter().GetValue() + m.GetGauge().GetValue()
			out[mf.GetName()+"{"+strings.Join(labels, ",")+"}"] = v
		}
	}
	return out
}

func TestContactsFileIsChecked(t *testing.T) {
	for name, body := range map[string]string{
		"unknown key":      "branches: {kallio: {mail: a@b.c}}",
		"no relay":         "branches: {kallio: {email: a@b.c}}",
		"bad address":      "smtp: {addr: \"h:25\", from: p@b.c}\nbranches: {kallio: {email: \"not an address\"}}",
		"bad webhook":      "branches: {kallio: {webhook: \"ftp://x/y\"}}",
		"empty contact":    "branches: {kallio: {}}",
		"user without pw":  "smtp: {addr: \"h:25\", from: p@b.c, username: u}\nbranches: {kallio: {email: a@b.c}}",
		"header injection": "smtp: {addr: \"h:25\", from: \"p@b.c\\r\\nBcc: x@y.z\"}\nbranches: {kallio: {email: a@b.c}}",
	} {
		t.Run(name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "c.yaml")
			require.NoError(t, os.WriteFile(file, []byte(body), 0o600))
			_, err := alerts.LoadContacts(file)
			assert.Error(t, err)
		})
	}
}

func TestVersionOrder(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		less bool
	}{
		{"1.3.9", "1.4.0", true},
		{"v1.10.0", "1.9.3", false},
		{"1.4.0-rc1", "1.4.0", true},
		{"1.4.0", "1.4.0-rc1", false},
		{"1.4", "1.4.0", false},
		{"1.4.0", "1.4.0", false},
	} {
		assert.Equal(t, tc.less, alerts.ParseVersion(tc.a).Less(alerts.ParseVersion(tc.b)), "%s < %s", tc.a, tc.b)
	}
	for _, bad := range []string{"", "dev", "1", "1.x.0", "abc.def"} {
		assert.False(t, alerts.ParseVersion(bad).Valid(), bad)
	}
}

func FuzzParseVersion(f *testing.F) {
	for _, s := range []string{"1.4.0", "v2.0.0-rc.1+build", "dev", "1..2", "-1.2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v := alerts.ParseVersion(s)
		if v.Valid() && v.Less(v) {
			t.Fatalf("%q is less than itself", s)
		}
	})
}

// rolledOut is what the releases service answers: a version per branch.
type rolledOut struct {
	any bool
	by  map[string]string
}

func (r rolledOut) RolledOutTo(_ context.Context, t store.Terminal) (string, bool, error) {
	return r.by[t.Branch], r.any, nil
}

// With rollouts wired, a terminal is behind the newest release rolled
// out to it, not the fleet's newest agent; a branch nothing was rolled
// out to is behind nothing; with no releases at all, the fleet-wide
// default holds.
func TestVersionBehindTheRolloutOfTheBranch(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	behind := func() []string {
		t.Helper()
		_, err := f.svc.Check(ctx)
		require.NoError(t, err)
		var out []string
		for _, k := range keys(f.open(t, fleetAdmin)) {
			if strings.HasSuffix(k, " version_behind") {
				out = append(out, k)
			}
		}
		return out
	}
	f.svc.Rollouts = rolledOut{any: false}
	assert.ElementsMatch(t, []string{"t-k2 version_behind"}, behind(), "no releases: the newest agent running (1.4.0)")
	f.svc.Rollouts = rolledOut{any: true, by: map[string]string{"kallio": "1.4.1"}}
	assert.ElementsMatch(t, []string{"t-k1 version_behind", "t-k2 version_behind"}, behind(),
		"kallio behind its rollout's 1.4.1; oodi had nothing rolled out")
	f.svc.Rollouts = rolledOut{any: true, by: map[string]string{"kallio": "1.3.9", "oodi": "1.5.0"}}
	assert.ElementsMatch(t, []string{"t-o1 version_behind"}, behind())
}
