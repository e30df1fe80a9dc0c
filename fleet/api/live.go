package api

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/gorilla/websocket"

	"piste/fleet/changes"
	"piste/fleet/staff"
	"piste/fleet/terminals"
)

// Live pages get at most one update per liveRowGap for the rows they show
// (a person sees a row change well within it), and fresh counts at most
// once per liveCountGap: counting a filter over the whole fleet costs a
// query, rows on screen cost nothing.
const (
	liveRowGap   = 100 * time.Millisecond
	liveCountGap = 2 * time.Second
)

// maxWatched bounds the rows one page may watch.
const maxWatched = 1000

var liveUpgrader = websocket.Upgrader{} // same-origin only (the default check)

// watch is what a page tells the live view: the rows it shows and the
// filter it shows them under.
type watch struct {
	IDs    []string        `json:"ids"`
	Filter terminals.Query `json:"filter"`
}

// liveMsg is one update to a page; empty parts are left out.
type liveMsg struct {
	// Terminals are watched rows that changed and still match the filter.
	Terminals []terminals.View `json:"terminals,omitempty"`
	// Gone are watched rows that no longer match it (or went away).
	Gone []string `json:"gone,omitempty"`
	// Counts are the filter's terminals by status, Total with its status.
	Counts map[string]int `json:"counts,omitempty"`
	Total  *int           `json:"total,omitempty"`
	// Alerts are the open alerts the member sees, after any changed.
	Alerts any `json:"alerts,omitempty"`
}

// live streams a staff page what changed of what it shows: the page sends
// {"watch": {"ids": [...], "filter": {...}}} with the rows on screen and
// its filter, and hears about those rows only, never the whole list, plus
// the filter's counts and the open alerts when they change.
func (a *API) live(w http.ResponseWriter, r *http.Request) {
	m := member(r)
	ws, err := liveUpgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer ws.Close()
	watches := make(chan watch, 1)
	gone := make(chan struct{})
	go readWatches(ws, watches, gone)
	// Subscribe before anything is read, so nothing that changes in
	// between is missed.
	heard := a.Changes.SubscribeLimit(liveLimit, changes.TerminalChanged, changes.TerminalRevoked, changes.AlertsChanged)
	defer heard.Close()
	v := liveView{a: a, m: m, ctx: r.Context()}
	if !v.send(ws, liveMsg{Alerts: v.alerts()}) {
		return
	}
	rowTimer := time.NewTimer(time.Hour)
	rowTimer.Stop()
	armed := false
	countTick := time.NewTicker(liveCountGap)
	defer countTick.Stop()
	for {
		select {
		case <-gone:
			return
		case <-a.Hub.Done():
			ws.WriteControl(websocket.CloseMessage,
				websocket.FormatCloseMessage(websocket.CloseGoingAway, "server shutting down"), time.Now().Add(time.Second))
			return
		case wt := <-watches:
			// The rows as they are now: whatever changed before the page
			// (re)connected is not missed.
			v.watch(wt)
			msg := v.rows(v.watched())
			c := v.counts()
			msg.Counts, msg.Total = c.Counts, c.Total
			if !v.send(ws, msg) {
				return
			}
		case <-heard.Ready():
			// The first change arms the timer; what follows within the
			// gap joins the same update. Not re-armed: a steady stream
			// of changes must not postpone the update for ever.
			if !armed {
				armed = true
				rowTimer.Reset(liveRowGap)
			}
			continue
		case <-rowTimer.C:
			armed = false
		case <-countTick.C:
			if v.countsDue {
				v.countsDue = false
				if !v.send(ws, v.counts()) {
					return
				}
			}
			continue
		}
		if !v.send(ws, v.update(heard)) {
			return
		}
	}
}

// readWatches reads the page's watch messages until it goes away; only the
// newest matters.
func readWatches(ws *websocket.Conn, out chan watch, gone chan struct{}) {
	defer close(gone)
	ws.SetReadLimit(1 << 17)
	for {
		_, data, err := ws.ReadMessage()
		if err != nil {
			return
		}
		var msg struct {
			Watch *watch `json:"watch"`
		}
		if json.Unmarshal(data, &msg) != nil || msg.Watch == nil {
			continue
		}
		if len(msg.Watch.IDs) > maxWatched {
			msg.Watch.IDs = msg.Watch.IDs[:maxWatched]
		}
		select { // replace an unread older watch
		case <-out:
		default:
		}
		out <- *msg.Watch
	}
}

// liveLimit is how many changes a live view holds between two updates;
// past it, the view refreshes its rows and counts as if all changed.
const liveLimit = 20000

// liveView is one page's live state.
type liveView struct {
	a         *API
	m         staff.Member
	ctx       context.Context
	ids       map[string]bool
	filter    terminals.Query
	countsDue bool
}

func (v *liveView) watch(wt watch) {
	if wt.Filter.Check() != nil {
		wt.Filter = terminals.Query{}
	}
	v.filter = wt.Filter
	v.ids = map[string]bool{}
	for _, id := range wt.IDs {
		v.ids[id] = true
	}
}

// update is what the page needs of the changes heard since the last.
func (v *liveView) update(heard *changes.Subscription) liveMsg {
	cs, behind := heard.Take()
	var ids []string
	seen := map[string]bool{}
	alerts := behind
	for _, c := range cs {
		if c.Kind == changes.AlertsChanged {
			alerts = true
			continue
		}
		v.countsDue = true
		if v.ids[c.Terminal] && !seen[c.Terminal] {
			seen[c.Terminal] = true
			ids = append(ids, c.Terminal)
		}
	}
	if behind {
		v.countsDue = true
		ids = v.watched()
	}
	msg := v.rows(ids)
	if alerts {
		msg.Alerts = v.alerts()
	}
	return msg
}

func (v *liveView) watched() []string {
	ids := make([]string, 0, len(v.ids))
	for id := range v.ids {
		ids = append(ids, id)
	}
	return ids
}

// rows reads the watched rows among ids: those matching the filter, and
// the others as gone (no longer watched).
func (v *liveView) rows(ids []string) liveMsg {
	var msg liveMsg
	found := map[string]bool{}
	for _, row := range v.a.Terminals.Changed(v.ctx, v.m, ids) {
		found[row.ID] = true
		if v.filter.Matches(row) {
			msg.Terminals = append(msg.Terminals, row)
		} else {
			msg.Gone = append(msg.Gone, row.ID)
		}
	}
	for _, id := range ids {
		if !found[id] {
			msg.Gone = append(msg.Gone, id)
		}
	}
	for _, id := range msg.Gone {
		delete(v.ids, id)
	}
	return msg
}

func (v *liveView) counts() liveMsg {
	counts, total, err := v.a.Terminals.Counts(v.ctx, v.m, v.filter)
	if err != nil {
		return liveMsg{}
	}
	return liveMsg{Counts: counts, Total: &total}
}

func (v *liveView) alerts() any {
	list, err := v.a.Alerts.List(v.ctx, v.m)
	if err != nil || list == nil {
		return []any{}
	}
	return list
}

// send writes a message that says anything; false when the page is gone.
func (v *liveView) send(ws *websocket.Conn, msg liveMsg) bool {
	if msg.Terminals == nil && msg.Gone == nil && msg.Counts == nil && msg.Alerts == nil {
		return true
	}
	ws.SetWriteDeadline(time.Now().Add(10 * time.Second))
	return ws.WriteJSON(msg) == nil
}
