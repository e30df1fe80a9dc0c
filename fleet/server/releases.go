package server

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"piste/fleet/api"
	"piste/fleet/changes"
	"piste/fleet/hub"
	"piste/fleet/protocol"
	"piste/fleet/releases"
	"piste/fleet/store"
)

// largeBodies are the paths whose handlers set their own, larger body
// limit: a release upload is many megabytes.
var largeBodies = map[string]bool{api.PathReleases: true}

// wireReleases gives the API its releases service, with the fleet's
// trusted release keys, and lets it hear terminals connect and report.
func wireReleases(cfg Config, a *api.API, h *hub.Hub, bus *changes.Bus, reg *prometheus.Registry, log *slog.Logger) error {
	rel := releases.New(a.Store, cfg.DataDir, a.Audit)
	if err := rel.LoadKeys(cfg.DataDir, cfg.ReleaseKeys); err != nil {
		return err
	}
	rel.Link, rel.Changes, rel.Log = h, bus, log
	rel.Now = func() time.Time { return a.Now() }
	a.Releases = rel
	// version_behind: behind the newest release rolled out to the terminal.
	a.Alerts.Rollouts = rel
	h.AddHooks(hub.Hooks{
		Connected: rel.Connected,
		Stored: func(ctx context.Context, in store.Incoming) {
			if in.Event.Kind != protocol.EventUpdate {
				return
			}
			if err := rel.Report(ctx, in.TerminalID, in.Event.Data); err != nil && ctx.Err() == nil {
				log.Warn("update report", "terminal", in.TerminalID, "err", err)
			}
		},
	})
	reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "piste_release_bytes_sent_total",
		Help: "Release bytes served to terminals."}, func() float64 { return float64(rel.BytesSent.Load()) }))
	return nil
}
