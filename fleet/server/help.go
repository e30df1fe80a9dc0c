package server

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"piste/fleet/api"
	"piste/fleet/changes"
	"piste/fleet/help"
	"piste/fleet/hub"
	"piste/fleet/protocol"
	"piste/fleet/store"
	"piste/fleet/visits"
)

// newHelp builds the digital-support service and hooks it to the link:
// a terminal that connects is told its request, and a session's start
// and end close the requests that belong to the welcome screen or to it.
func newHelp(st *store.Store, v *visits.Service, h *hub.Hub, bus *changes.Bus, a *api.API, log *slog.Logger) *help.Service {
	hs := help.New(st, v, h, bus, a.Audit, log)
	hs.Now = func() time.Time { return a.Now() }
	prev := h.Hooks()
	h.SetHooks(hub.Hooks{
		Connected: func(ctx context.Context, t store.Terminal) {
			if prev.Connected != nil {
				prev.Connected(ctx, t)
			}
			hs.Connected(ctx, t)
		},
		Stored: func(ctx context.Context, in store.Incoming) {
			if prev.Stored != nil {
				prev.Stored(ctx, in)
			}
			if in.Event.Kind != protocol.EventSession {
				return
			}
			var se protocol.SessionEvent
			if json.Unmarshal(in.Event.Data, &se) != nil {
				return
			}
			switch se.Phase {
			case protocol.PhaseStart:
				hs.SessionStarted(ctx, in.TerminalID, se.SessionID)
			case protocol.PhaseEnd:
				hs.SessionEnded(ctx, in.TerminalID, se.SessionID)
			}
		},
	})
	return hs
}
