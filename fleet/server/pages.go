package server

import (
	"log/slog"
	"net/http"

	"piste/fleet/api"
	"piste/fleet/overview"
	"piste/fleet/web"
)

// registerPages adds the staff web pages over the same domain services
// the API adapts.
func registerPages(mux *http.ServeMux, a *api.API, log *slog.Logger) {
	ov := overview.New(a.Store)
	ov.Now = a.Now
	web.Register(mux, web.Services{Staff: a.Staff, Terminals: a.Terminals, GuestPasses: a.GuestPasses, Help: a.Help,
		Alerts: a.Alerts, Overview: ov, Signage: a.Signage, Releases: a.Releases, SecureCookie: a.SecureCookie,
		Console: web.Console{Policies: a.Policies, Audit: a.Audit, Power: a.Power, Measures: a.Measures}}, log)
}
