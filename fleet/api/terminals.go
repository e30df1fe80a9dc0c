package api

import (
	"net/http"
	"time"

	"piste/fleet/terminals"
)

// Terminal statuses shown to staff.
const (
	StatusOnline       = terminals.StatusOnline
	StatusOffline      = terminals.StatusOffline
	StatusInSession    = terminals.StatusInSession
	StatusOutOfService = terminals.StatusOutOfService
)

// TerminalView is a terminal as the API and the web pages show it.
type TerminalView = terminals.View

// terminals answers a page of the terminal list: filtered, sorted and
// paged by keyset cursor in the database, so a page costs the same at the
// first terminal and the fifty-thousandth.
func (a *API) terminals(w http.ResponseWriter, r *http.Request) {
	req, err := terminals.ParsePageRequest(r.URL.Query())
	if err != nil {
		a.fail(w, "read the list's parameters", err)
		return
	}
	page, err := a.Terminals.Page(r.Context(), member(r), req)
	if err != nil {
		a.fail(w, "list terminals", err)
		return
	}
	writeJSON(w, http.StatusOK, page)
}

func (a *API) terminal(w http.ResponseWriter, r *http.Request) {
	v, err := a.Terminals.Get(r.Context(), member(r), r.PathValue("id"))
	if err != nil {
		a.fail(w, "load terminal", err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (a *API) health(w http.ResponseWriter, r *http.Request) {
	since := a.Now().Add(-24 * time.Hour)
	if s := r.URL.Query().Get("since"); s != "" {
		var err error
		if since, err = time.Parse(time.RFC3339, s); err != nil {
			writeFieldError(w, "since", "since must be an RFC 3339 time like 2026-11-27T08:00:00Z, got %q", s)
			return
		}
	}
	samples, err := a.Terminals.Health(r.Context(), member(r), r.PathValue("id"), since)
	if err != nil {
		a.fail(w, "read health history", err)
		return
	}
	writeJSON(w, http.StatusOK, nonNil(samples))
}

func (a *API) revoke(w http.ResponseWriter, r *http.Request) {
	if _, err := a.Terminals.Revoke(r.Context(), member(r), r.PathValue("id")); err != nil {
		a.fail(w, "revoke terminal", err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
