package api

import (
	"net/http"
	"strconv"
	"time"

	"piste/fleet/store"
)

// Alerts lists the open alerts of the terminals the user may see; the
// terminals package holds the rule.
func (a *API) Alerts(r *http.Request) ([]store.Alert, error) {
	return a.Terminals.Alerts(r.Context(), member(r))
}

// rejectedEvents lists the events of a terminal kept aside at ingest.
func (a *API) rejectedEvents(w http.ResponseWriter, r *http.Request) {
	t, ok := a.visibleTerminal(w, r)
	if !ok {
		return
	}
	limit := 50
	if s := r.URL.Query().Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 1000 {
			writeFieldError(w, "limit", "limit must be a whole number from 1 to 1000, got %q", s)
			return
		}
		limit = n
	}
	list, err := a.Store.RejectedEvents(r.Context(), t.ID, limit)
	if err != nil {
		a.internal(w, "list rejected events", err)
		return
	}
	writeJSON(w, http.StatusOK, nonNil(list))
}

// settleRejected closes a terminal's alert about rejected events; the
// events themselves stay listed until they age out.
func (a *API) settleRejected(w http.ResponseWriter, r *http.Request) {
	t, ok := a.visibleTerminal(w, r)
	if !ok {
		return
	}
	closed, err := a.Store.SettleRejected(r.Context(), t.ID, time.Now())
	if err != nil {
		a.internal(w, "settle rejected events", err)
		return
	}
	if !closed {
		writeError(w, http.StatusNotFound, "terminal %q has no open alert about rejected events", t.ID)
		return
	}
	a.auditf(r, "settle_rejected_events", t.ID, "")
	w.WriteHeader(http.StatusNoContent)
}
