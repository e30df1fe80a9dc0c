package web

import (
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"piste/fleet/terminals"
)

func TestBuildList(t *testing.T) {
	now := time.Now()
	page := terminals.Page{
		Terminals: []terminals.View{
			{ID: "t-1", Name: "kallio-pc-01", Branch: "kallio", Status: terminals.StatusOnline},
			{ID: "t-3", Name: "kallio-pc-03", Branch: "kallio", Status: terminals.StatusOnline},
		},
		Next:   "CURSOR",
		Counts: map[string]int{terminals.StatusOnline: 2, terminals.StatusOffline: 1},
		Total:  2,
	}
	q := terminals.Query{Branch: "kallio", Status: terminals.StatusOnline}
	l := BuildList(page, q, "-last_seen", "", now)
	assert.Len(t, l.Rows, 2)
	assert.Equal(t, 3, l.All.N, "all statuses of the branch")
	assert.Equal(t, "/?branch=kallio&sort=-last_seen", l.All.Href)
	assert.Equal(t, "/?branch=kallio&cursor=CURSOR&sort=-last_seen&status=online", l.Next)
	assert.Empty(t, l.First, "this is the first page")
	for _, c := range l.Counts {
		assert.Equal(t, c.Status == terminals.StatusOnline, c.Active, c.Status)
	}
	assert.Equal(t, "descending", l.Sorts["last_seen"].Active)
	assert.Equal(t, "/?branch=kallio&sort=last_seen&status=online", l.Sorts["last_seen"].Href, "a second click sorts the other way")
	assert.Equal(t, "", l.Sorts["name"].Active)

	l = BuildList(page, terminals.Query{}, "", "CURSOR", now)
	assert.Equal(t, "/", l.First)
	assert.Equal(t, "ascending", l.Sorts["name"].Active, "by name unless told")
	assert.Equal(t, "/?sort=-name", l.Sorts["name"].Href)
}

// A filter's link gives back the same filter.
func FuzzListURL(f *testing.F) {
	f.Add("branch=kallio&status=online&q=pc&kind=pc&version=1.2")
	f.Add("q=%ff%fe&status=")
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		q, err := terminals.ParseQuery(v)
		if err != nil {
			return
		}
		back, err := url.Parse(listURL(q, "", ""))
		if err != nil {
			t.Fatalf("link %q: %v", listURL(q, "", ""), err)
		}
		again, err := terminals.ParseQuery(back.Query())
		if err != nil || again != q {
			t.Fatalf("round trip changed %+v to %+v (%v)", q, again, err)
		}
	})
}

func TestNewRowWithoutHealth(t *testing.T) {
	r := NewRow(terminals.View{ID: "t-1", Kind: "screen", Status: terminals.StatusOffline}, time.Now())
	assert.Equal(t, "—", r.CPU)
	assert.Equal(t, "—", r.Uptime)
	assert.Equal(t, "never", r.Seen)
	assert.Equal(t, "Info screen", r.KindText)
	assert.Equal(t, "Offline", r.StatusText)
}

func TestSafeNext(t *testing.T) {
	cases := map[string]string{
		"":                 "/",
		"/":                "/",
		"/terminals/t-1":   "/terminals/t-1",
		"/?status=offline": "/?status=offline",
		"//evil.example/":  "/",
		`/\evil.example`:   "/",
		"https://evil/":    "/",
		"javascript:alert": "/",
		// Browsers drop tabs and newlines from URLs and read "\" as "/".
		"/\t/evil.example/x":       "/",
		"/\n/evil.example":         "/",
		"/\r\n/evil.example":       "/",
		"/x\\y":                    "/",
		"\\\\evil.example":         "/",
		"/\x00/evil":               "/",
		"/\u00a0/evil":             "/",
		"/\u2028/evil":             "/",
		"http:/evil.example":       "/",
		"evil.example":             "/",
		"/%2F%2Fevil.example":      "/%2F%2Fevil.example", // a path on this site
		"/terminals/t-1?x=1#top":   "/terminals/t-1?x=1#top",
		"/guest-passes?branch=a b": "/guest-passes?branch=a b",
	}
	for in, want := range cases {
		assert.Equal(t, want, safeNext(in), "next %q", in)
	}
}
