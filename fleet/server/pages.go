package server

import (
	"log/slog"
	"net/http"

	"piste/fleet/api"
)

// registerPages adds the staff web pages.
func registerPages(mux *http.ServeMux, a *api.API, log *slog.Logger) {
}
