package api

import (
	"net/http"
)

func (a *API) alerts(w http.ResponseWriter, r *http.Request) {
	list, err := a.Terminals.Alerts(r.Context(), member(r))
	if err != nil {
		a.fail(w, "list alerts", err)
		return
	}
	writeJSON(w, http.StatusOK, list)
}
