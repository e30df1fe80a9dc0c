package web

import (
	"encoding/json"
	"html/template"
	"net/http"
	"time"

	"piste/fleet/staff"
)

// registerHelp adds the digital-support pages: the volunteers' live
// queue and the coordinators' statistics.
func (p *Pages) registerHelp(mux *http.ServeMux) {
	mux.Handle("GET /help", p.helper(p.helpQueue))
	mux.Handle("GET /help/stats", p.admin(p.helpStats))
}

// helper admits admins and volunteers, the roles that answer help
// requests; an editor gets the page saying their role has none here.
func (p *Pages) helper(next func(http.ResponseWriter, *http.Request, staff.Member)) http.Handler {
	return p.staffOnly(next, staff.RoleAdmin, staff.RoleVolunteer)
}

// helpQueue is the volunteer's page: duty, the live queue, walk-ins. The
// queue itself comes over the live WebSocket; the page carries only what
// its forms offer, as JSON for its script.
func (p *Pages) helpQueue(w http.ResponseWriter, r *http.Request, u staff.Member) {
	cfg, err := p.Help.ConfigFor(r.Context(), u)
	if err != nil {
		p.internal(w, "load help page", err)
		return
	}
	data, err := json.Marshal(cfg)
	if err != nil {
		p.internal(w, "load help page", err)
		return
	}
	p.render(w, r, http.StatusOK, "help", view{Title: "help.queue.title", User: u, Script: "help.js",
		Now: time.Now(), Data: template.JS(data)})
}

// helpStats is the coordinators' page of the programme's figures; its
// script reads them from the statistics API.
func (p *Pages) helpStats(w http.ResponseWriter, r *http.Request, u staff.Member) {
	p.render(w, r, http.StatusOK, "helpstats", view{Title: "help.stats.title", User: u, Script: "helpstats.js", Now: time.Now()})
}
