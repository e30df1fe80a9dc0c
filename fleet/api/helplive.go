package api

import (
	"net/http"
	"time"

	"github.com/gorilla/websocket"

	"piste/fleet/help"
	"piste/fleet/staff"
)

// helpLiveLimit is how many changed requests a volunteer's live queue
// holds before it is sent the whole queue again instead.
const helpLiveLimit = 4096

// helpFrame is one message of the live queue: the whole queue ("full"),
// or one request that changed ("request"), closed ones included so that
// the page drops them.
type helpFrame struct {
	Type     string      `json:"type"`
	Requests []help.Item `json:"requests,omitempty"`
	Request  *help.Item  `json:"request,omitempty"`
	Duty     *help.Duty  `json:"duty,omitempty"`
}

// helpLive streams a volunteer's queue: on connect the whole queue of
// their branches, then every change as it happens (a volunteer waits for
// it, so changes are not batched).
func (a *API) helpLive(w http.ResponseWriter, r *http.Request) {
	m := member(r)
	// Subscribe before reading the queue, so nothing that changes in
	// between is missed; reading it first answers an editor 403.
	sub, unsubscribe := a.subscribeHelp()
	defer unsubscribe()
	full, err := a.helpFull(r, m)
	if err != nil {
		a.fail(w, "load help queue", err)
		return
	}
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
	send := func(f helpFrame) bool {
		ws.SetWriteDeadline(time.Now().Add(10 * time.Second))
		return ws.WriteJSON(f) == nil
	}
	if !send(full) {
		return
	}
	ping := time.NewTicker(30 * time.Second)
	defer ping.Stop()
	for {
		select {
		case <-gone:
			return
		case <-a.Hub.Done():
			ws.WriteControl(websocket.CloseMessage,
				websocket.FormatCloseMessage(websocket.CloseGoingAway, "server shutting down"), time.Now().Add(time.Second))
			return
		case <-ping.C:
			if ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(10*time.Second)) != nil {
				return
			}
		case <-sub.resync:
			// The whole queue is newer than any change still queued here.
			for len(sub.items) > 0 {
				<-sub.items
			}
			full, err := a.helpFull(r, m)
			if err != nil || !send(full) {
				return
			}
		case it := <-sub.items:
			if it, ok := help.For(m, it); ok && !send(helpFrame{Type: "request", Request: &it}) {
				return
			}
		}
	}
}

func (a *API) helpFull(r *http.Request, m staff.Member) (helpFrame, error) {
	items, err := a.Help.Queue(r.Context(), m)
	if err != nil {
		return helpFrame{}, err
	}
	d, err := a.Help.DutyOf(r.Context(), m)
	if err != nil {
		return helpFrame{}, err
	}
	return helpFrame{Type: "full", Requests: items, Duty: &d}, nil
}
