package web

import (
	"net/http"
	"time"

	"piste/fleet/overview"
	"piste/fleet/staff"
	"piste/fleet/web/i18n"
)

// BranchGlance is one branch's row of the overview, with its chart drawn.
type BranchGlance struct {
	overview.Branch
	Href        string // the branch's terminals
	OfflineHref string
	Percent     int // utilisation, whole percent
	Bars        []Bar
}

// Bar is one day of a branch's seven-day chart, as SVG geometry: the
// chart is drawn on the server with attributes only, so it needs neither
// script nor inline style.
type Bar struct {
	X, Y, W, H int
	Date       string
	Sessions   int
}

// chartHeight and barWidth size the chart's SVG (viewBox units).
const (
	chartHeight = 40
	barWidth    = 10
	barGap      = 4
)

func bars(week []overview.Day) []Bar {
	top := 1
	for _, d := range week {
		top = max(top, d.Sessions)
	}
	out := make([]Bar, len(week))
	for i, d := range week {
		h := d.Sessions * chartHeight / top
		if d.Sessions > 0 {
			h = max(h, 1)
		}
		out[i] = Bar{X: i * (barWidth + barGap), Y: chartHeight - h, W: barWidth, H: h, Date: d.Date, Sessions: d.Sessions}
	}
	return out
}

func (p *Pages) overview(w http.ResponseWriter, r *http.Request, u staff.Member) {
	list, err := p.Overview.Overview(r.Context(), u)
	if err != nil {
		p.internal(w, "build the overview", err)
		return
	}
	rows := make([]BranchGlance, len(list))
	for i, b := range list {
		rows[i] = BranchGlance{Branch: b, Href: "/?branch=" + b.ID, OfflineHref: "/?branch=" + b.ID + "&status=offline",
			Percent: int(b.Utilisation*100 + 0.5), Bars: bars(b.Week)}
	}
	p.render(w, r, http.StatusOK, "overview", view{Title: "console.overview.title", User: u, Now: time.Now(), Data: rows})
}

// agoText says how long ago a time in Unix milliseconds was, in a
// language; 0 is never.
func agoText(lang string, ms int64, now time.Time) string {
	t := i18n.Catalog.T
	if ms == 0 {
		return t(lang, "console.ago.never")
	}
	s := (now.UnixMilli() - ms) / 1000
	switch {
	case s < 0:
		return t(lang, "console.ago.now")
	case s < 60:
		return t(lang, "console.ago.s", s)
	case s < 3600:
		return t(lang, "console.ago.min", s/60)
	case s < 86400:
		return t(lang, "console.ago.h", s/3600)
	}
	return t(lang, "console.ago.d", s/86400)
}
