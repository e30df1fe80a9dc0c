package web

import (
	"net/http"
	"time"

	"piste/fleet/alerts"
	"piste/fleet/httpio"
	"piste/fleet/protocol"
	"piste/fleet/staff"
	"piste/fleet/store"
	"piste/fleet/terminals"
)

// Statuses lists the terminal statuses in the order the pages show them.
var Statuses = []string{terminals.StatusOnline, terminals.StatusInSession, terminals.StatusOutOfService, terminals.StatusOffline}

// Count is one status's number of terminals, shown above the list.
type Count struct {
	Status string
	N      int
	Href   string
	Active bool
}

// SortLink is a column heading that sorts the list.
type SortLink struct {
	Key    string // the text key of the heading
	Href   string
	Active string // "ascending", "descending" or ""
}

// List is the terminal list page's data: one page of the filtered,
// sorted list, rendered on the server.
type List struct {
	Query    terminals.Query
	Sort     string
	Branches []store.Branch
	Rows     []Row
	Counts   []Count
	All      Count
	Total    int
	// Next and First link the following page and the first one; empty
	// on the last page and on the first.
	Next, First string
	Sorts       map[string]SortLink
	Revoked     string // name of a terminal just revoked from its page
	Alerts      []alerts.View
	BadQuery    string // why the query string was dropped, if it was
	BulkTypes   []string
	Kinds       []string
}

// listURL is the list's link for a filter, order and cursor.
func listURL(q terminals.Query, sort, cursor string) string {
	v := q.Values()
	if sort != "" && sort != store.SortByName {
		v.Set("sort", sort)
	}
	if cursor != "" {
		v.Set("cursor", cursor)
	}
	if len(v) == 0 {
		return "/"
	}
	return "/?" + v.Encode()
}

// sortLinks are the sortable headings: a heading sorts by its column, and
// again in reverse when it already does.
func sortLinks(q terminals.Query, current string) map[string]SortLink {
	out := map[string]SortLink{}
	for col, key := range map[string]string{store.SortByName: "console.col.name", store.SortByBranch: "console.col.branch",
		store.SortByStatus: "console.col.status", store.SortByVersion: "console.col.agent", store.SortByLastSeen: "console.col.seen"} {
		l := SortLink{Key: key, Href: listURL(q, col, "")}
		switch current {
		case col, "":
			if current == "" && col != store.SortByName {
				break
			}
			l.Active = "ascending"
			l.Href = listURL(q, "-"+col, "")
		case "-" + col:
			l.Active = "descending"
		}
		out[col] = l
	}
	return out
}

// BuildList shapes a page of the list for the template.
func BuildList(page terminals.Page, q terminals.Query, sort, cursor string, now time.Time) List {
	l := List{Query: q, Sort: sort, Total: page.Total, Sorts: sortLinks(q, sort),
		BulkTypes: terminals.BulkTypes, Kinds: []string{string(protocol.KindPC), string(protocol.KindScreen)}}
	for _, v := range page.Terminals {
		l.Rows = append(l.Rows, NewRow(v, now))
	}
	all := 0
	for _, st := range Statuses {
		n := page.Counts[st]
		all += n
		sq := q
		sq.Status = st
		l.Counts = append(l.Counts, Count{Status: st, N: n, Href: listURL(sq, sort, ""), Active: q.Status == st})
	}
	aq := q
	aq.Status = ""
	l.All = Count{N: all, Href: listURL(aq, sort, ""), Active: q.Status == ""}
	if page.Next != "" {
		l.Next = listURL(q, sort, page.Next)
	}
	if cursor != "" {
		l.First = listURL(q, sort, "")
	}
	return l
}

func (p *Pages) terminals(w http.ResponseWriter, r *http.Request, u staff.Member) {
	req, err := terminals.ParsePageRequest(r.URL.Query())
	bad := ""
	if err != nil {
		// A stale bookmark still opens the list, saying what was dropped.
		bad = err.Error()
		req = terminals.PageRequest{Limit: terminals.DefaultPageSize}
	}
	page, err := p.Terminals.Page(r.Context(), u, req)
	if err != nil && httpio.Status(err) == http.StatusBadRequest {
		bad = err.Error()
		req = terminals.PageRequest{Limit: terminals.DefaultPageSize}
		page, err = p.Terminals.Page(r.Context(), u, req)
	}
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
	l := BuildList(page, req.Query, req.Sort, req.Cursor, now)
	l.Branches, l.BadQuery = branches, bad
	if l.Alerts, err = p.Alerts.List(r.Context(), u); err != nil {
		p.internal(w, "list alerts", err)
		return
	}
	if id := r.URL.Query().Get("revoked"); id != "" {
		if t, err := p.Terminals.Terminal(r.Context(), u, id); err == nil && t.Revoked {
			l.Revoked = t.Name
		}
	}
	p.render(w, r, http.StatusOK, "terminals", view{Title: "console.list.title", User: u, Script: "terminals.js", Now: now, Data: l})
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

// rowView is what the row template takes: a row and the page's time.
type rowView struct {
	Row Row
	Now time.Time
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
