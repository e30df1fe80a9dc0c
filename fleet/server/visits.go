package server

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"piste/fleet/changes"
	"piste/fleet/hub"
	"piste/fleet/protocol"
	"piste/fleet/sip2"
	"piste/fleet/store"
	"piste/fleet/visits"
)

// newVisits builds the visitor-session service and hooks it to the link.
func newVisits(cfg Config, st *store.Store, h *hub.Hub, bus *changes.Bus, log *slog.Logger) (*visits.Service, *sip2.Pool, error) {
	cards, err := visits.LoadCards(cfg.DataDir)
	if cfg.CardKeyFile != "" {
		cards, err = visits.LoadCardsFile(cfg.CardKeyFile)
	}
	if err != nil {
		return nil, nil, err
	}
	var pool *sip2.Pool
	var library visits.Authenticator
	if cfg.SIP2 != nil {
		c := *cfg.SIP2
		if c.Logger == nil {
			c.Logger = log
		}
		if pool, err = sip2.NewPool(c); err != nil {
			return nil, nil, err
		}
		library = pool
	}
	v := visits.New(st, library, cards, h, log)
	v.Changes = bus
	if cfg.CardChecks != nil {
		v.Limits = *cfg.CardChecks
	}
	h.SetHooks(hub.Hooks{
		Connected: v.Connected,
		Stored: func(ctx context.Context, in store.Incoming) {
			if in.Event.Kind != protocol.EventState {
				return
			}
			var sc protocol.StateChange
			if json.Unmarshal(in.Event.Data, &sc) == nil && sc.State == protocol.StateIdle {
				v.TerminalIdle(ctx, in.TerminalID)
			}
		},
	})
	return v, pool, nil
}

// alertsGauge reports the open alerts at each scrape.
func alertsGauge(st *store.Store) prometheus.Collector {
	return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "piste_alerts_open", Help: "Alerts no admin has settled yet, such as failed wipes."},
		func() float64 {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			n, err := st.CountOpenAlerts(ctx)
			if err != nil {
				return -1
			}
			return float64(n)
		})
}
