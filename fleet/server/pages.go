package server

import (
	"log/slog"
	"net/http"

	"piste/fleet/api"
	"piste/fleet/web"
)

// registerPages adds the staff web pages.
func registerPages(mux *http.ServeMux, a *api.API, log *slog.Logger) {
	web.Register(mux, a, log)
}
