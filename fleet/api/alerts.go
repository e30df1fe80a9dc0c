package api

import (
	"net/http"

	"piste/fleet/store"
)

// Alerts lists the open alerts of the terminals the user may see.
func (a *API) Alerts(r *http.Request) ([]store.Alert, error) {
	all, err := a.Store.OpenAlerts(r.Context())
	if err != nil {
		return nil, err
	}
	u := UserFrom(r.Context())
	out := make([]store.Alert, 0, len(all))
	for _, al := range all {
		if u.Branch != "" {
			t, err := a.Store.Terminal(r.Context(), al.TerminalID)
			if err != nil || !canSee(u, t.Branch) {
				continue
			}
		}
		out = append(out, al)
	}
	return out, nil
}
