package web

import (
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"piste/fleet/store"
	"piste/fleet/terminals"
)

func TestParseFilter(t *testing.T) {
	cases := []struct {
		name  string
		query string
		want  Filter
	}{
		{"empty", "", Filter{}},
		{"all parts", "branch=kallio&status=offline&q=+pc-01+", Filter{Branch: "kallio", Status: "offline", Query: "pc-01"}},
		{"unknown status dropped", "status=sleeping", Filter{}},
		{"bad branch dropped", "branch=a%20b", Filter{}},
		{"invalid utf-8 dropped", "q=%ff", Filter{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			q, err := url.ParseQuery(tc.query)
			require.NoError(t, err)
			assert.Equal(t, tc.want, ParseFilter(q))
		})
	}
}

func FuzzParseFilter(f *testing.F) {
	f.Add("branch=kallio&status=online&q=pc")
	f.Add("q=%ff%fe&status=")
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		got := ParseFilter(q)
		if got.Branch != "" && !store.ValidID(got.Branch) {
			t.Fatalf("branch %q passed the filter", got.Branch)
		}
		if got.Status != "" && !validStatus(got.Status) {
			t.Fatalf("status %q passed the filter", got.Status)
		}
		// A filter must survive its own link unchanged.
		back, err := url.Parse(got.With(got.Status))
		if err != nil {
			t.Fatalf("link %q: %v", got.With(got.Status), err)
		}
		if again := ParseFilter(back.Query()); again != got {
			t.Fatalf("round trip changed %+v to %+v", got, again)
		}
	})
}

func TestBuildList(t *testing.T) {
	now := time.Now()
	views := []terminals.View{
		{ID: "t-1", Name: "kallio-pc-01", Branch: "kallio", Status: terminals.StatusOnline},
		{ID: "t-2", Name: "kallio-pc-02", Branch: "kallio", Status: terminals.StatusOffline},
		{ID: "t-3", Name: "kallio-pc-03", Branch: "kallio", Status: terminals.StatusOnline},
		{ID: "t-4", Name: "toolo-pc-01", Branch: "toolo", Status: terminals.StatusInSession},
		{ID: "t-5", Name: "kallio-old", Branch: "kallio", Status: terminals.StatusOffline, Revoked: true},
	}
	cases := []struct {
		name     string
		filter   Filter
		rows     []string
		total    int
		online   int
		offline  int
		allHref  string
		selected string
	}{
		{"everything but revoked", Filter{}, []string{"t-1", "t-2", "t-3", "t-4"}, 4, 2, 1, "/", ""},
		{"one branch", Filter{Branch: "kallio"}, []string{"t-1", "t-2", "t-3"}, 3, 2, 1, "/?branch=kallio", ""},
		{"branch and status", Filter{Branch: "kallio", Status: terminals.StatusOnline}, []string{"t-1", "t-3"}, 3, 2, 1, "/?branch=kallio", terminals.StatusOnline},
		{"text", Filter{Query: "TOOLO"}, []string{"t-4"}, 1, 0, 0, "/?q=TOOLO", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l := BuildList(views, tc.filter, now)
			var ids []string
			for _, r := range l.Rows {
				ids = append(ids, r.ID)
			}
			assert.Equal(t, tc.rows, ids)
			assert.Equal(t, tc.total, l.Total)
			assert.Equal(t, tc.total, l.All.N)
			assert.Equal(t, tc.allHref, l.All.Href)
			counts := map[string]Count{}
			for _, c := range l.Counts {
				counts[c.Status] = c
			}
			assert.Equal(t, tc.online, counts[terminals.StatusOnline].N)
			assert.Equal(t, tc.offline, counts[terminals.StatusOffline].N)
			for s, c := range counts {
				assert.Equal(t, s == tc.selected, c.Active, "count %s active", s)
			}
		})
	}
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
