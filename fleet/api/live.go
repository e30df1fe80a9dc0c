package api

import (
	"net/http"
	"time"

	"github.com/gorilla/websocket"

	"piste/fleet/changes"
	"piste/fleet/staff"
)

// liveInterval is the most often a live view is sent updates: a fleet of
// thousands changes constantly, and a person reads once a second at best.
const liveInterval = time.Second

var liveUpgrader = websocket.Upgrader{} // same-origin only (the default check)

// live streams changed terminals to a staff page: on connect the full list
// the user may see, then at most once a liveInterval the rows that changed,
// as the change bus reported them.
func (a *API) live(w http.ResponseWriter, r *http.Request) {
	m := member(r)
	ws, err := liveUpgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer ws.Close()
	gone := make(chan struct{})
	go func() { // read only to notice the page going away
		defer close(gone)
		for {
			if _, _, err := ws.ReadMessage(); err != nil {
				return
			}
		}
	}()
	// Subscribe before reading the full list, so nothing that changes
	// in between is missed.
	heard := a.Changes.SubscribeLimit(liveLimit, changes.TerminalChanged, changes.TerminalRevoked)
	defer heard.Close()
	all, err := a.Terminals.List(r.Context(), m, "", "")
	if err != nil {
		return
	}
	if err := ws.WriteJSON(map[string]any{"full": true, "terminals": all}); err != nil {
		return
	}
	tick := time.NewTicker(liveInterval)
	defer tick.Stop()
	for {
		select {
		case <-gone:
			return
		case <-a.Hub.Done():
			ws.WriteControl(websocket.CloseMessage,
				websocket.FormatCloseMessage(websocket.CloseGoingAway, "server shutting down"), time.Now().Add(time.Second))
			return
		case <-tick.C:
		}
		msg, ok := a.liveUpdate(r, m, heard)
		if !ok {
			continue
		}
		ws.SetWriteDeadline(time.Now().Add(10 * time.Second))
		if err := ws.WriteJSON(msg); err != nil {
			return
		}
	}
}

// liveLimit is how many changed terminals a live view holds between two
// updates; past it, the view gets the full list again.
const liveLimit = 20000

// liveUpdate is what changed since the last update: the changed rows, or
// the full list when the view fell behind.
func (a *API) liveUpdate(r *http.Request, m staff.Member, heard *changes.Subscription) (map[string]any, bool) {
	cs, behind := heard.Take()
	if behind {
		all, err := a.Terminals.List(r.Context(), m, "", "")
		if err != nil {
			return nil, false
		}
		return map[string]any{"full": true, "terminals": all}, true
	}
	if len(cs) == 0 {
		return nil, false
	}
	seen := map[string]bool{}
	var ids []string
	for _, c := range cs {
		if !seen[c.Terminal] {
			seen[c.Terminal] = true
			ids = append(ids, c.Terminal)
		}
	}
	rows := a.Terminals.Changed(r.Context(), m, ids)
	if len(rows) == 0 {
		return nil, false // nothing this user may see changed
	}
	return map[string]any{"full": false, "terminals": rows}, true
}
