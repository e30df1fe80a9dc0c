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
