package api

import (
	"net/http"
	"time"

	"github.com/gorilla/websocket"
)

// liveInterval is the most often a live view is sent updates: a fleet of
// thousands changes constantly, and a person reads once a second at best.
const liveInterval = time.Second

var liveUpgrader = websocket.Upgrader{} // same-origin only (the default check)

// live streams changed terminals to a staff page: on connect the full list
// the user may see, then batches of changed rows.
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
	changes := a.Hub.Changes()
	_, version, _ := changes.Since(^uint64(0))
	all, err := a.Terminals.List(r.Context(), m, "", "")
	if err != nil {
		return
	}
	if err := ws.WriteJSON(map[string]any{"full": true, "terminals": all}); err != nil {
		return
	}
	for {
		ids, now, next := changes.Since(version)
		if len(ids) > 0 {
			version = now
			rows := a.Terminals.Changed(r.Context(), m, ids)
			ws.SetWriteDeadline(time.Now().Add(10 * time.Second))
			if err := ws.WriteJSON(map[string]any{"full": false, "terminals": nonNil(rows)}); err != nil {
				return
			}
		}
		select {
		case <-gone:
			return
		case <-a.Hub.Done():
			ws.WriteControl(websocket.CloseMessage,
				websocket.FormatCloseMessage(websocket.CloseGoingAway, "server shutting down"), time.Now().Add(time.Second))
			return
		case <-next:
		}
		time.Sleep(liveInterval)
	}
}
