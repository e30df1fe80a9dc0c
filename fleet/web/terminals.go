package web

import (
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"piste/fleet/httpio"
	"piste/fleet/staff"
	"piste/fleet/store"
	"piste/fleet/terminals"
)

// Filter is the terminal list's filter, kept in the query string so that a
// filtered view is a link one admin can send another.
type Filter struct {
	Branch string // branch id, empty for all
	Status string // one of the terminals.Status* values, empty for all
	Query  string // substring of name, id or hostname, case-insensitive
}

// Statuses lists the terminal statuses in the order the pages show them.
var Statuses = []string{terminals.StatusOnline, terminals.StatusInSession, terminals.StatusOutOfService, terminals.StatusOffline}

// ParseFilter reads a Filter from a query string. Unknown statuses and
// malformed values are dropped rather than refused: a stale bookmark should
// still open the list.
func ParseFilter(q url.Values) Filter {
	f := Filter{Branch: q.Get("branch"), Status: q.Get("status"), Query: strings.TrimSpace(q.Get("q"))}
	if !store.ValidID(f.Branch) {
		f.Branch = ""
	}
	if !validStatus(f.Status) {
		f.Status = ""
	}
	if !utf8.ValidString(f.Query) || len(f.Query) > 100 {
		f.Query = ""
	}
	return f
}

func validStatus(s string) bool {
	for _, v := range Statuses {
		if s == v {
			return true
		}
	}
	return false
}

// Matches reports whether a terminal passes the branch and text parts of
// the filter (the status part is checked separately, because the counts
// at the top of the list ignore it).
func (f Filter) Matches(v terminals.View) bool {
	if v.Revoked || f.Branch != "" && v.Branch != f.Branch {
		return false
	}
	if f.Query == "" {
		return true
	}
	q := strings.ToLower(f.Query)
	return strings.Contains(strings.ToLower(v.Name), q) || strings.Contains(strings.ToLower(v.ID), q) ||
		strings.Contains(strings.ToLower(v.Hostname), q)
}

// With returns the filter's query string with one status, for count links.
func (f Filter) With(status string) string {
	q := url.Values{}
	if f.Branch != "" {
		q.Set("branch", f.Branch)
	}
	if status != "" {
		q.Set("status", status)
	}
	if f.Query != "" {
		q.Set("q", f.Query)
	}
	if len(q) == 0 {
		return "/"
	}
	return "/?" + q.Encode()
}

// Row is one terminal as a list row or detail page shows it.
type Row struct {
	terminals.View
	StatusText string
	KindText   string
	CPU        string
	Mem        string
	Disk       string
	Uptime     string
	Seen       string
	SeenMS     int64
}

// NewRow formats a terminal for display at time now.
func NewRow(v terminals.View, now time.Time) Row {
	known := !v.Health.At.IsZero()
	r := Row{View: v, StatusText: StatusText(v.Status), KindText: KindText(v.Kind),
		CPU: Percent(v.Health.CPUPercent, known), Mem: Percent(v.Health.MemUsedPercent, known),
		Disk: Percent(v.Health.DiskUsedPercent, known), Uptime: Uptime(v.Health.UptimeSeconds, known),
		Seen: Ago(v.LastSeen, now)}
	if !v.LastSeen.IsZero() {
		r.SeenMS = v.LastSeen.UnixMilli()
	}
	return r
}

// Count is one status's number of terminals, shown above the list.
type Count struct {
	Status string
	Text   string
	N      int
	Href   string
	Active bool
}

// List is the terminal list page's data.
type List struct {
	Filter   Filter
	Branches []store.Branch
	Rows     []Row
	Counts   []Count
	Total    int // terminals passing branch and text filters
	All      Count
	Revoked  string // name of a terminal just revoked from its page
	Alerts   []store.Alert
}

// BuildList filters and counts terminals for the list page.
func BuildList(views []terminals.View, f Filter, now time.Time) List {
	l := List{Filter: f}
	n := map[string]int{}
	for _, v := range views {
		if !f.Matches(v) {
			continue
		}
		l.Total++
		n[v.Status]++
		if f.Status == "" || v.Status == f.Status {
			l.Rows = append(l.Rows, NewRow(v, now))
		}
	}
	l.All = Count{Text: "All", N: l.Total, Href: f.With(""), Active: f.Status == ""}
	for _, s := range Statuses {
		l.Counts = append(l.Counts, Count{Status: s, Text: StatusText(s), N: n[s], Href: f.With(s), Active: f.Status == s})
	}
	return l
}

func (p *Pages) terminals(w http.ResponseWriter, r *http.Request, u staff.Member) {
	f := ParseFilter(r.URL.Query())
	views, err := p.Terminals.List(r.Context(), u, "", "")
	if err != nil {
		p.internal(w, "list terminals", err)
		return
	}
	branches, err := p.Staff.Branches(r.Context(), u)
	if err != nil {
		p.internal(w, "list branches", err)
		return
	}
	now := time.Now()
	l := BuildList(views, f, now)
	l.Branches = branches
	if l.Alerts, err = p.Terminals.Alerts(r.Context(), u); err != nil {
		p.internal(w, "list alerts", err)
		return
	}
	if id := r.URL.Query().Get("revoked"); id != "" {
		if t, err := p.Terminals.Terminal(r.Context(), u, id); err == nil && t.Revoked {
			l.Revoked = t.Name
		}
	}
	p.render(w, r, http.StatusOK, "terminals", view{Title: "Terminals", User: u, Script: "terminals.js", Now: now, Data: l})
}

// Detail is the terminal page's data.
type Detail struct {
	Row
	Enrolled     time.Time
	CommandTypes []CommandType
	LastWipe     *store.WipeReceipt
	Rejected     []store.RejectedEvent // newest events kept aside
}

// CommandType is one choice of the command form.
type CommandType struct {
	Value   string
	Text    string
	Confirm bool // disruptive: ask before sending
}

// commandTypes are the form's choices, in protocol.CommandTypes' order.
var commandTypes = []CommandType{
	{"message", "Show a message", false},
	{"lock", "Lock", false},
	{"unlock", "Unlock", false},
	{"restart_agent", "Restart the agent", false},
	{"reboot", "Reboot", true},
	{"shutdown", "Shut down", true},
	{"wipe", "Wipe now", true},
	{"end_session", "End the visitor's session", true},
}

func (p *Pages) terminal(w http.ResponseWriter, r *http.Request, u staff.Member) {
	t, err := p.Terminals.Terminal(r.Context(), u, r.PathValue("id"))
	if httpio.Status(err) == http.StatusNotFound {
		p.render(w, r, http.StatusNotFound, "notfound", view{Title: "Not found", User: u, Data: r.URL.Path})
		return
	}
	if err != nil {
		p.internal(w, "load terminal", err)
		return
	}
	now := time.Now()
	d := Detail{Row: NewRow(p.Terminals.View(t), now), Enrolled: t.EnrolledAt, CommandTypes: commandTypes}
	receipts, err := p.Terminals.WipeReceipts(r.Context(), u, t.ID, 1)
	if err != nil {
		p.internal(w, "load last wipe", err)
		return
	}
	if len(receipts) == 1 {
		d.LastWipe = &receipts[0]
	}
	if d.Rejected, err = p.Terminals.RejectedEvents(r.Context(), u, t.ID, 5); err != nil {
		p.internal(w, "load rejected events", err)
		return
	}
	p.render(w, r, http.StatusOK, "terminal", view{Title: t.Name, User: u, Script: "terminal.js", Now: now, Data: d})
}

// internal answers a failure the visitor cannot fix: 500 with the
// request id, the detail only in the log.
func (p *Pages) internal(w http.ResponseWriter, what string, err error) {
	http.Error(w, httpio.Message(w, p.Log, what, err), http.StatusInternalServerError)
}
