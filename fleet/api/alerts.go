package api

import (
	"net/http"
)

// alerts lists the open alerts of the terminals the user may see.
func (a *API) alerts(w http.ResponseWriter, r *http.Request) {
	list, err := a.Alerts.List(r.Context(), member(r))
	if err != nil {
		a.fail(w, "list alerts", err)
		return
	}
	writeJSON(w, http.StatusOK, nonNil(list))
}

// ackAlert records that the admin is on an alert; it stays open until
// its cause goes away.
func (a *API) ackAlert(w http.ResponseWriter, r *http.Request) {
	v, err := a.Alerts.Ack(r.Context(), member(r), r.PathValue("id"))
	if err != nil {
		a.fail(w, "acknowledge alert", err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// rejectedEvents lists the events of a terminal kept aside at ingest.
func (a *API) rejectedEvents(w http.ResponseWriter, r *http.Request) {
	limit, ok := listLimit(w, r)
	if !ok {
		return
	}
	list, err := a.Terminals.RejectedEvents(r.Context(), member(r), r.PathValue("id"), limit)
	if err != nil {
		a.fail(w, "list rejected events", err)
		return
	}
	writeJSON(w, http.StatusOK, nonNil(list))
}

// settleRejected closes a terminal's alert about rejected events.
func (a *API) settleRejected(w http.ResponseWriter, r *http.Request) {
	if err := a.Terminals.SettleRejected(r.Context(), member(r), r.PathValue("id")); err != nil {
		a.fail(w, "settle rejected events", err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
