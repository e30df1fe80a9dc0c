package signage

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"piste/agent/link"
	"piste/agent/localapi"
	"piste/fleet/protocol"
)

// contentServer serves content by digest as the fleet does, and can be
// told to go down, to break off a download halfway, or to lie.
type contentServer struct {
	*httptest.Server
	mu      sync.Mutex
	files   map[string][]byte
	down    atomic.Bool
	cutOnce map[string]bool // break the next answer for these digests halfway
	// downAfterCut takes the server down in the same step as a cut, so a
	// quick retry cannot finish the download before the test looks.
	downAfterCut bool
	ranges       []string
	gets         map[string]int
}

func newContentServer(t *testing.T) *contentServer {
	cs := &contentServer{files: map[string][]byte{}, cutOnce: map[string]bool{}, gets: map[string]int{}}
	cs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if cs.down.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		if r.Header.Get("Authorization") != "Bearer tok" {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		sum := strings.TrimPrefix(r.URL.Path, protocol.PathAgentContent)
		cs.mu.Lock()
		data, ok := cs.files[sum]
		cut := cs.cutOnce[sum]
		delete(cs.cutOnce, sum)
		if cut && cs.downAfterCut {
			cs.down.Store(true)
		}
		cs.gets[sum]++
		if rg := r.Header.Get("Range"); rg != "" {
			cs.ranges = append(cs.ranges, rg)
		}
		cs.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		if cut {
			w.Header().Set("Content-Length", fmt.Sprint(len(data)))
			w.WriteHeader(http.StatusOK)
			w.Write(data[:len(data)/2])
			w.(http.Flusher).Flush()
			panic(http.ErrAbortHandler)
		}
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(data))
	}))
	t.Cleanup(cs.Close)
	return cs
}

func (cs *contentServer) add(data []byte) (string, int64) {
	sum := sha256.Sum256(data)
	h := hex.EncodeToString(sum[:])
	cs.mu.Lock()
	cs.files[h] = data
	cs.mu.Unlock()
	return h, int64(len(data))
}

func (cs *contentServer) fetcher() *Fetcher {
	u, _ := url.Parse(cs.URL)
	return &Fetcher{Server: u, Token: "tok", Client: cs.Client()}
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }
func (c *clock) Set(t time.Time)     { c.mu.Lock(); c.t = t; c.mu.Unlock() }
func helsinki(s string) time.Time {
	loc, _ := time.LoadLocation("Europe/Helsinki")
	t, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		panic(err)
	}
	return t
}

type events struct {
	mu   sync.Mutex
	list []struct {
		kind string
		data any
	}
}

func (e *events) emit(kind string, data any) {
	e.mu.Lock()
	e.list = append(e.list, struct {
		kind string
		data any
	}{kind, data})
	e.mu.Unlock()
}

func (e *events) plays() []protocol.SignagePlay {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []protocol.SignagePlay
	for _, ev := range e.list {
		if p, ok := ev.data.(protocol.SignagePlay); ok {
			out = append(out, p)
		}
	}
	return out
}

// manifest builds a manifest of a morning and an evening playlist.
func manifest(morning, evening []protocol.ManifestItem) protocol.Manifest {
	m := protocol.Manifest{Branch: "main", BranchName: "Pääkirjasto", TZ: "Europe/Helsinki"}
	list := func(id string, items []protocol.ManifestItem) protocol.ManifestPlaylist {
		p := protocol.ManifestPlaylist{ID: id}
		for _, it := range items {
			p.Items = append(p.Items, protocol.PlaylistEntry{ContentID: it.ID, Seconds: 10})
		}
		return p
	}
	seen := map[string]bool{}
	for _, it := range append(append([]protocol.ManifestItem{}, morning...), evening...) {
		if !seen[it.ID] {
			seen[it.ID] = true
			m.Items = append(m.Items, it)
		}
	}
	m.Playlists = []protocol.ManifestPlaylist{list("p1", morning), list("p2", evening)}
	m.Schedules = []protocol.ManifestSchedule{
		{ID: "s1", PlaylistID: "p1", From: "08:00", To: "12:00"},
		{ID: "s2", PlaylistID: "p2", From: "18:00", To: "02:00"},
	}
	m.ID = m.Digest()
	return m
}

func imageItem(id, sum string, size int64) protocol.ManifestItem {
	return protocol.ManifestItem{ID: id, Kind: protocol.ContentImage, SHA256: sum, Size: size}
}

type rig struct {
	t      *testing.T
	dir    string
	cs     *contentServer
	clock  *clock
	events *events
	budget int64
}

func newRig(t *testing.T) *rig {
	return &rig{t: t, dir: t.TempDir(), cs: newContentServer(t), clock: &clock{t: helsinki("2026-12-07 09:00")}, events: &events{}}
}

func (r *rig) open() *Agent {
	a, err := Open(Config{Dir: r.dir, Budget: r.budget, Fetcher: r.cs.fetcher(), Emit: r.events.emit, Now: r.clock.Now,
		Backoff: &link.Backoff{Base: 5 * time.Millisecond, Max: 20 * time.Millisecond}, Tick: time.Hour})
	if err != nil {
		r.t.Fatal(err)
	}
	return a
}

// run starts the agent and stops it at the end of the test.
func (r *rig) run(a *Agent) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { a.Run(ctx); close(done) }()
	r.t.Cleanup(func() { cancel(); <-done })
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// at evaluates the schedule at a moment and returns what shows.
func at(a *Agent, c *clock, t time.Time) localapi.Signage {
	c.Set(t)
	a.mu.Lock()
	a.evaluate(t)
	a.mu.Unlock()
	return a.Status()
}

func playingID(s localapi.Signage) string {
	if s.NowPlaying == nil {
		return ""
	}
	return s.NowPlaying.ContentID
}

func TestFleetDownScreenPlaysOnByTime(t *testing.T) {
	r := newRig(t)
	s1, n1 := r.cs.add(bytes.Repeat([]byte("morning-a"), 1000))
	s2, n2 := r.cs.add(bytes.Repeat([]byte("morning-b"), 1000))
	s3, n3 := r.cs.add(bytes.Repeat([]byte("evening"), 1000))
	m := manifest([]protocol.ManifestItem{imageItem("c1", s1, n1), imageItem("c2", s2, n2)}, []protocol.ManifestItem{imageItem("c3", s3, n3)})
	a := r.open()
	r.run(a)
	if err := a.SetManifest(m); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the manifest to become active", func() bool { return a.Status().Manifest == m.ID })

	// The fleet goes away; the screen keeps to its schedule by its clock.
	r.cs.down.Store(true)
	cases := []struct {
		at   time.Time
		want string
	}{
		{helsinki("2026-12-07 09:00"), "c1"},
		{helsinki("2026-12-07 09:00").Add(10 * time.Second), "c2"},
		{helsinki("2026-12-07 09:00").Add(20 * time.Second), "c1"},
		{helsinki("2026-12-07 13:00"), ""}, // nothing scheduled: fallback slide
		{helsinki("2026-12-09 23:30"), "c3"},
		{helsinki("2026-12-10 01:59"), "c3"},
		{helsinki("2026-12-10 02:00"), ""},
	}
	for _, tc := range cases {
		if got := playingID(at(a, r.clock, tc.at)); got != tc.want {
			t.Errorf("at %s: playing %q, want %q", tc.at, got, tc.want)
		}
	}
	st := a.Status()
	if st.BranchName != "Pääkirjasto" {
		t.Errorf("fallback slide's branch name %q", st.BranchName)
	}
	if len(r.events.plays()) < 3 {
		t.Errorf("proofs of play %d, want at least 3", len(r.events.plays()))
	}
	p := r.events.plays()[0]
	if p.ContentID != "c1" || p.SHA256 != s1 || p.Seconds != 10 {
		t.Errorf("first proof of play %+v, want c1 for 10 s", p)
	}

	// A restart with the fleet still down plays from the cache.
	b := r.open()
	if b.Status().Manifest != m.ID {
		t.Fatalf("after restart manifest %q, want %q", b.Status().Manifest, m.ID)
	}
	if got := playingID(at(b, r.clock, helsinki("2026-12-08 10:00"))); got != "c1" {
		t.Errorf("after a restart offline: playing %q, want c1", got)
	}
}

func TestCorruptedCachedFileIsFetchedAgain(t *testing.T) {
	r := newRig(t)
	s1, n1 := r.cs.add(bytes.Repeat([]byte("a"), 5000))
	m := manifest([]protocol.ManifestItem{imageItem("c1", s1, n1)}, nil)
	m.Playlists = m.Playlists[:1]
	m.Schedules = m.Schedules[:1]
	m.ID = m.Digest()
	a := r.open()
	r.run(a)
	a.SetManifest(m)
	waitFor(t, "the manifest to become active", func() bool { return a.Status().Manifest == m.ID })
	path := filepath.Join(r.dir, "content", s1)
	// Damaged at rest while playing: detected before it shows.
	if err := os.WriteFile(path, bytes.Repeat([]byte("b"), 5000), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Chtimes(path, time.Now().Add(time.Minute), time.Now().Add(time.Minute))
	if got := playingID(at(a, r.clock, helsinki("2026-12-07 09:30"))); got != "" {
		t.Errorf("a damaged file played (%q)", got)
	}
	waitFor(t, "the damaged file to be fetched again", func() bool {
		r.cs.mu.Lock()
		defer r.cs.mu.Unlock()
		return r.cs.gets[s1] >= 2
	})
	waitFor(t, "the file to play again", func() bool {
		return playingID(at(a, r.clock, helsinki("2026-12-07 10:00"))) == "c1"
	})
	got, _ := os.ReadFile(path)
	if sum := sha256.Sum256(got); hex.EncodeToString(sum[:]) != s1 {
		t.Error("the cached file still does not match its digest")
	}
}

func TestCorruptedCacheFoundAtStart(t *testing.T) {
	r := newRig(t)
	s1, n1 := r.cs.add(bytes.Repeat([]byte("x"), 3000))
	m := manifest([]protocol.ManifestItem{imageItem("c1", s1, n1)}, []protocol.ManifestItem{imageItem("c1", s1, n1)})
	a := r.open()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { a.Run(ctx); close(done) }()
	a.SetManifest(m)
	waitFor(t, "the manifest to become active", func() bool { return a.Status().Manifest == m.ID })
	cancel()
	<-done
	os.WriteFile(filepath.Join(r.dir, "content", s1), []byte("garbage"), 0o644)
	b := r.open()
	if _, ok := b.cache.Path(s1); ok {
		t.Fatal("a damaged file survived the start-up check")
	}
	r.run(b)
	waitFor(t, "the file to be fetched again", func() bool { _, ok := b.cache.Path(s1); return ok })
}

func TestHalfDownloadNeverPlaysAndResumes(t *testing.T) {
	r := newRig(t)
	old, nOld := r.cs.add(bytes.Repeat([]byte("old"), 1000))
	m1 := manifest([]protocol.ManifestItem{imageItem("c1", old, nOld)}, nil)
	m1.Playlists, m1.Schedules = m1.Playlists[:1], m1.Schedules[:1]
	m1.ID = m1.Digest()
	a := r.open()
	r.run(a)
	a.SetManifest(m1)
	waitFor(t, "the first manifest", func() bool { return a.Status().Manifest == m1.ID })

	big, nBig := r.cs.add(bytes.Repeat([]byte("0123456789"), 20000))
	r.cs.mu.Lock()
	r.cs.cutOnce[big] = true
	r.cs.downAfterCut = true
	r.cs.mu.Unlock()
	m2 := manifest([]protocol.ManifestItem{imageItem("c2", big, nBig)}, nil)
	m2.Playlists, m2.Schedules = m2.Playlists[:1], m2.Schedules[:1]
	m2.ID = m2.Digest()
	// Hold the fleet down after the broken answer, to look at the half file.
	a.SetManifest(m2)
	waitFor(t, "the broken download", func() bool {
		r.cs.mu.Lock()
		defer r.cs.mu.Unlock()
		return r.cs.gets[big] >= 1
	})
	if got := playingID(at(a, r.clock, helsinki("2026-12-07 09:30"))); got != "c1" {
		t.Errorf("while the new content downloads: playing %q, want the old c1", got)
	}
	if _, ok := a.cache.Path(big); ok {
		t.Fatal("a half-downloaded file counts as cached")
	}
	r.cs.down.Store(false)
	waitFor(t, "the new manifest", func() bool { return a.Status().Manifest == m2.ID })
	r.cs.mu.Lock()
	ranges := append([]string(nil), r.cs.ranges...)
	r.cs.mu.Unlock()
	if len(ranges) == 0 || ranges[0] == "bytes=0-" {
		t.Errorf("the download started over instead of resuming: ranges %v", ranges)
	}
	if got := playingID(at(a, r.clock, helsinki("2026-12-07 10:30"))); got != "c2" {
		t.Errorf("after the download: playing %q, want c2", got)
	}
	if _, ok := a.cache.Path(old); ok {
		t.Error("content no manifest names was kept")
	}
}

func TestDiskBudget(t *testing.T) {
	r := newRig(t)
	r.budget = 25_000
	s1, n1 := r.cs.add(bytes.Repeat([]byte("1"), 10_000))
	s2, n2 := r.cs.add(bytes.Repeat([]byte("2"), 10_000))
	s3, n3 := r.cs.add(bytes.Repeat([]byte("3"), 10_000))
	a := r.open()
	r.run(a)
	m1 := manifest([]protocol.ManifestItem{imageItem("c1", s1, n1), imageItem("c2", s2, n2)}, nil)
	a.SetManifest(m1)
	waitFor(t, "the first manifest", func() bool { return a.Status().Manifest == m1.ID })

	// Too big for the budget: refused, the old one plays on.
	tooBig := manifest([]protocol.ManifestItem{imageItem("c1", s1, n1), imageItem("c2", s2, n2), imageItem("c3", s3, n3)}, nil)
	a.SetManifest(tooBig)
	waitFor(t, "the refusal", func() bool { return strings.Contains(a.Status().SyncError, "budget") })
	if a.Status().Manifest != m1.ID {
		t.Error("the manifest over budget replaced the active one")
	}
	// Fits alone but not beside the old one: the old content makes room.
	m3 := manifest([]protocol.ManifestItem{imageItem("c3", s3, n3)}, []protocol.ManifestItem{imageItem("c2", s2, n2)})
	a.SetManifest(m3)
	waitFor(t, "the third manifest", func() bool { return a.Status().Manifest == m3.ID })
	if used := a.cache.Used(); used > r.budget {
		t.Errorf("cache holds %d bytes, budget %d", used, r.budget)
	}
}

func TestNoticesOverrideAndExpire(t *testing.T) {
	r := newRig(t)
	s1, n1 := r.cs.add([]byte("image"))
	m := manifest([]protocol.ManifestItem{imageItem("c1", s1, n1)}, []protocol.ManifestItem{imageItem("c1", s1, n1)})
	a := r.open()
	r.run(a)
	a.SetManifest(m)
	waitFor(t, "the manifest", func() bool { return a.Status().Manifest == m.ID })
	now := helsinki("2026-12-07 09:00")
	at(a, r.clock, now)
	a.SetNotices(protocol.UrgentNotices{Notices: []protocol.UrgentNotice{
		{ID: "n1", Text: "Library closes at 15 today", ExpiresAt: now.Add(time.Hour)},
		{ID: "n2", Text: "Fire drill at 10", ExpiresAt: now.Add(30 * time.Minute)},
		{ID: "n0", Text: "expired", ExpiresAt: now.Add(-time.Minute)},
	}})
	st := a.Status()
	if st.Notice == nil || st.Notice.ID != "n2" || st.NowPlaying != nil {
		t.Fatalf("status %+v: want notice n2 over everything", st.Notice)
	}
	if got := at(a, r.clock, now.Add(31*time.Minute)); got.Notice == nil || got.Notice.ID != "n1" {
		t.Errorf("after n2 expired: notice %+v, want n1", got.Notice)
	}
	// A restart keeps the notice (the screen may come back offline).
	b := r.open()
	if got := at(b, r.clock, now.Add(40*time.Minute)); got.Notice == nil || got.Notice.ID != "n1" {
		t.Errorf("after a restart: notice %+v, want n1", got.Notice)
	}
	if got := at(a, r.clock, now.Add(61*time.Minute)); got.Notice != nil || playingID(got) != "c1" {
		t.Errorf("after expiry: notice %+v playing %q, want c1", got.Notice, playingID(got))
	}
	// Withdrawn: the fleet sends the set without it.
	a.SetNotices(protocol.UrgentNotices{Notices: []protocol.UrgentNotice{{ID: "n3", Text: "x", ExpiresAt: now.Add(2 * time.Hour)}}})
	a.SetNotices(protocol.UrgentNotices{})
	if a.Status().Notice != nil {
		t.Error("a withdrawn notice stayed")
	}
}

func TestBadManifestRefusedWhole(t *testing.T) {
	r := newRig(t)
	a := r.open()
	m := manifest(nil, nil)
	m.Schedules = append(m.Schedules, protocol.ManifestSchedule{ID: "s9", PlaylistID: "nope"})
	m.ID = m.Digest()
	if err := a.SetManifest(m); err == nil {
		t.Error("a manifest with a dangling schedule was accepted")
	}
	m.ID = "forged"
	if err := a.SetManifest(m); err == nil {
		t.Error("a manifest whose id does not match was accepted")
	}
}
