package server

import (
	"log/slog"
	"net/http"

	"piste/fleet/api"
	"piste/fleet/web"
)

// registerPages adds the staff web pages over the same domain services
// the API adapts.
func registerPages(mux *http.ServeMux, a *api.API, log *slog.Logger) {
	web.Register(mux, web.Services{Staff: a.Staff, Terminals: a.Terminals, GuestPasses: a.GuestPasses,
		Releases: a.Releases, SecureCookie: a.SecureCookie}, log)
}
