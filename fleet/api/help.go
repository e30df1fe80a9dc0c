package api

import (
	"net/http"

	"piste/fleet/help"
	"piste/fleet/protocol"
)

// PathHelpLive is the volunteers' live queue (a WebSocket).
const PathHelpLive = "/api/v1/help/live"

// registerHelp adds the routes of digital support: the agents' calls,
// the volunteers' queue and actions, duty, and the statistics.
func (a *API) registerHelp(mux *http.ServeMux) {
	mux.HandleFunc("POST "+protocol.PathAgentHelp, a.agentHelpAsk)
	mux.HandleFunc("POST "+protocol.PathAgentHelpCancel, a.agentHelpCancel)
	mux.HandleFunc("POST "+protocol.PathAgentHelpMessages, a.agentHelpSay)
	mux.HandleFunc("GET "+protocol.PathAgentHelpSupport, a.agentHelpSupport)

	mux.Handle("GET /api/v1/help-requests", a.staff(a.helpRequests))
	mux.Handle("POST /api/v1/help-requests", a.staff(a.helpWalkIn))
	mux.Handle("POST /api/v1/help-requests/{id}/claim", a.staff(a.helpClaim))
	mux.Handle("POST /api/v1/help-requests/{id}/release", a.staff(a.helpRelease))
	mux.Handle("POST /api/v1/help-requests/{id}/resolve", a.staff(a.helpResolve))
	mux.Handle("POST /api/v1/help-requests/{id}/messages", a.staff(a.helpSay))
	mux.Handle("GET /api/v1/help/duty", a.staff(a.helpDuty))
	mux.Handle("PUT /api/v1/help/duty", a.staff(a.setHelpDuty))
	mux.Handle("GET "+PathHelpLive, a.staff(a.helpLive))
	mux.Handle("GET /api/v1/stats/help", a.role(RoleAdmin, a.helpStats))
	mux.Handle("GET /api/v1/stats/help.json", a.role(RoleAdmin, a.helpExportJSON))
	mux.Handle("GET /api/v1/stats/help.csv", a.role(RoleAdmin, a.helpExportCSV))
}

func (a *API) agentHelpAsk(w http.ResponseWriter, r *http.Request) {
	t, ok := a.agentTerminal(w, r)
	if !ok {
		return
	}
	var req protocol.HelpAsk
	if !decodeAgent(w, r, &req) {
		return
	}
	v, err := a.Help.Ask(r.Context(), t, req)
	if err != nil {
		a.fail(w, "ask for help", err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (a *API) agentHelpCancel(w http.ResponseWriter, r *http.Request) {
	t, ok := a.agentTerminal(w, r)
	if !ok {
		return
	}
	v, err := a.Help.Cancel(r.Context(), t, r.PathValue("id"))
	if err != nil {
		a.fail(w, "cancel help request", err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (a *API) agentHelpSay(w http.ResponseWriter, r *http.Request) {
	t, ok := a.agentTerminal(w, r)
	if !ok {
		return
	}
	var req protocol.HelpSay
	if !decodeAgent(w, r, &req) {
		return
	}
	v, err := a.Help.VisitorSay(r.Context(), t, r.PathValue("id"), req.Text)
	if err != nil {
		a.fail(w, "send help message", err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (a *API) agentHelpSupport(w http.ResponseWriter, r *http.Request) {
	t, ok := a.agentTerminal(w, r)
	if !ok {
		return
	}
	sup, err := a.Help.Support(r.Context(), t)
	if err != nil {
		a.fail(w, "load help support", err)
		return
	}
	writeJSON(w, http.StatusOK, sup)
}

// helpRequests lists the live requests of the member's branches;
// ?status=open or claimed narrows it.
func (a *API) helpRequests(w http.ResponseWriter, r *http.Request) {
	status := r.URL.Query().Get("status")
	if status != "" && status != string(protocol.HelpOpen) && status != string(protocol.HelpClaimed) {
		writeFieldError(w, "status", "status must be open or claimed (closed requests are in the statistics), got %q", status)
		return
	}
	items, err := a.Help.Queue(r.Context(), member(r))
	if err != nil {
		a.fail(w, "list help requests", err)
		return
	}
	out := items[:0]
	for _, it := range items {
		if status == "" || string(it.Status) == status {
			out = append(out, it)
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func (a *API) helpWalkIn(w http.ResponseWriter, r *http.Request) {
	var req help.WalkIn
	if !decode(w, r, &req) {
		return
	}
	it, err := a.Help.LogWalkIn(r.Context(), member(r), req)
	if err != nil {
		a.fail(w, "log walk-in help request", err)
		return
	}
	writeJSON(w, http.StatusCreated, it)
}

func (a *API) helpClaim(w http.ResponseWriter, r *http.Request) {
	it, err := a.Help.Claim(r.Context(), member(r), r.PathValue("id"))
	if err != nil {
		a.fail(w, "claim help request", err)
		return
	}
	writeJSON(w, http.StatusOK, it)
}

func (a *API) helpRelease(w http.ResponseWriter, r *http.Request) {
	it, err := a.Help.Release(r.Context(), member(r), r.PathValue("id"))
	if err != nil {
		a.fail(w, "release help request", err)
		return
	}
	writeJSON(w, http.StatusOK, it)
}

// resolveRequest is the body of a resolve.
type resolveRequest struct {
	Outcome protocol.HelpOutcome `json:"outcome"`
	Topic   string               `json:"topic"`
}

func (a *API) helpResolve(w http.ResponseWriter, r *http.Request) {
	var req resolveRequest
	if !decode(w, r, &req) {
		return
	}
	it, err := a.Help.Resolve(r.Context(), member(r), r.PathValue("id"), req.Outcome, req.Topic)
	if err != nil {
		a.fail(w, "resolve help request", err)
		return
	}
	writeJSON(w, http.StatusOK, it)
}

func (a *API) helpSay(w http.ResponseWriter, r *http.Request) {
	var req protocol.HelpSay
	if !decode(w, r, &req) {
		return
	}
	it, err := a.Help.Say(r.Context(), member(r), r.PathValue("id"), req.Text)
	if err != nil {
		a.fail(w, "send help message", err)
		return
	}
	writeJSON(w, http.StatusOK, it)
}

func (a *API) helpDuty(w http.ResponseWriter, r *http.Request) {
	d, err := a.Help.DutyOf(r.Context(), member(r))
	if err != nil {
		a.fail(w, "load duty", err)
		return
	}
	writeJSON(w, http.StatusOK, d)
}

// dutyRequest is the body of PUT /api/v1/help/duty.
type dutyRequest struct {
	On          *bool  `json:"on"`
	DisplayName string `json:"display_name"`
}

func (a *API) setHelpDuty(w http.ResponseWriter, r *http.Request) {
	var req dutyRequest
	if !decode(w, r, &req) {
		return
	}
	if req.On == nil {
		writeFieldError(w, "on", "on is required: true to go on duty, false to go off")
		return
	}
	d, err := a.Help.SetDuty(r.Context(), member(r), *req.On, req.DisplayName)
	if err != nil {
		a.fail(w, "set duty", err)
		return
	}
	writeJSON(w, http.StatusOK, d)
}

func (a *API) helpStats(w http.ResponseWriter, r *http.Request) {
	from, to, err := help.Period(r.URL.Query().Get("from"), r.URL.Query().Get("to"), a.Now())
	if err != nil {
		a.fail(w, "read period", err)
		return
	}
	st, err := a.Help.Stats(r.Context(), member(r), from, to)
	if err != nil {
		a.fail(w, "compute help statistics", err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

func (a *API) helpExport(w http.ResponseWriter, r *http.Request) (help.Export, bool) {
	from, to, err := help.Period(r.URL.Query().Get("from"), r.URL.Query().Get("to"), a.Now())
	if err != nil {
		a.fail(w, "read period", err)
		return help.Export{}, false
	}
	st, err := a.Help.Stats(r.Context(), member(r), from, to)
	if err != nil {
		a.fail(w, "compute help statistics", err)
		return help.Export{}, false
	}
	return help.Anonymous(st), true
}

func (a *API) helpExportJSON(w http.ResponseWriter, r *http.Request) {
	e, ok := a.helpExport(w, r)
	if !ok {
		return
	}
	w.Header().Set("Content-Disposition", `attachment; filename="help-`+e.From+`-`+e.To+`.json"`)
	writeJSON(w, http.StatusOK, e)
}

func (a *API) helpExportCSV(w http.ResponseWriter, r *http.Request) {
	e, ok := a.helpExport(w, r)
	if !ok {
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="help-`+e.From+`-`+e.To+`.csv"`)
	if err := e.WriteCSV(w); err != nil {
		a.Log.Warn("write help export", "err", err)
	}
}
