package server

import (
	"context"
	"log/slog"

	"piste/fleet/changes"
	"piste/fleet/hub"
	"piste/fleet/protocol"
	"piste/fleet/signage"
	"piste/fleet/store"
	"piste/fleet/visits"
)

// uploadLimits lift the edge's body limit for the upload routes, whose
// handlers check the size themselves and say so.
var uploadLimits = map[string]int64{
	"/api/v1/content":            signage.MaxUploadBytes + 1<<20,
	"/signage/content/new":       signage.MaxUploadBytes + 1<<20,
	protocol.PathAgentScreenshot: protocol.MaxScreenshotBytes + 1<<10,
}

// newSignage builds the signage service and its pusher, and hooks them to
// the hub: a screen gets its manifest on connect, and its reports are kept.
func newSignage(cfg Config, st *store.Store, h *hub.Hub, bus *changes.Bus, v *visits.Service, log *slog.Logger) *signage.Pusher {
	svc := signage.New(st, nil, bus, cfg.DataDir)
	live := &signage.Live{Store: st, Policies: v, Support: signage.DutySupport{Store: st},
		Online: func(id string) bool { ok, _ := h.Online(id); return ok }, Now: svc.Now}
	p := &signage.Pusher{Service: svc, Link: h, Live: live, Log: log}
	prev := h.Hooks()
	h.SetHooks(hub.Hooks{
		Connected: func(ctx context.Context, t store.Terminal) {
			if prev.Connected != nil {
				prev.Connected(ctx, t)
			}
			p.Connected(ctx, t)
		},
		Stored: func(ctx context.Context, in store.Incoming) {
			if prev.Stored != nil {
				prev.Stored(ctx, in)
			}
			switch in.Event.Kind {
			case protocol.EventSignagePlay, protocol.EventSignageStatus:
				if err := svc.Record(ctx, in.TerminalID, in.Event); err != nil {
					log.Warn("record signage report", "terminal", in.TerminalID, "err", err)
				}
			}
		},
	})
	return p
}
