package api

import (
	"net/http"

	"piste/fleet/store"
)

// Alerts lists the open alerts of the terminals the user may see; the
// terminals package holds the rule.
func (a *API) Alerts(r *http.Request) ([]store.Alert, error) {
	return a.Terminals.Alerts(r.Context(), member(r))
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
