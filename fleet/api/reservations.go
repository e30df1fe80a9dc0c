package api

import (
	"errors"
	"net/http"
	"time"

	"piste/fleet/store"
)

type reservationRequest struct {
	Terminal string `json:"terminal"`
	Card     string `json:"card"`
	From     string `json:"from"`
	Minutes  int    `json:"minutes"`
}

func (a *API) newReservation(w http.ResponseWriter, r *http.Request) {
	var req reservationRequest
	if !decode(w, r, &req) {
		return
	}
	switch {
	case req.Terminal == "":
		writeFieldError(w, "terminal", "terminal is required: the id of the computer to reserve")
		return
	case req.Card == "":
		writeFieldError(w, "card", "card is required: the visitor's library card number")
		return
	case req.Minutes == 0:
		writeFieldError(w, "minutes", "minutes is required: the length of the slot")
		return
	}
	from := a.Now()
	if req.From != "" {
		t, err := time.Parse(time.RFC3339, req.From)
		if err != nil {
			writeFieldError(w, "from", "from must be an RFC 3339 time like 2026-11-27T14:00:00+02:00, got %q", req.From)
			return
		}
		from = t
	}
	m := member(r)
	t, err := a.Store.Terminal(r.Context(), req.Terminal)
	if errors.Is(err, store.ErrNotFound) || err == nil && !m.Serves(t.Branch) {
		writeFieldError(w, "terminal", "no terminal %q that you may reserve", req.Terminal)
		return
	}
	if err != nil {
		a.internal(w, "load terminal", err)
		return
	}
	res, err := a.Visits.Reserve(r.Context(), t, req.Card, from, req.Minutes, m.Name)
	if err == nil {
		err = a.Audit.Record(r.Context(), m.Name, "reserve", t.ID, res.ID+" card …"+res.CardHint)
	}
	if err != nil {
		a.fail(w, "reserve", err)
		return
	}
	writeJSON(w, http.StatusCreated, res)
}

func (a *API) reservations(w http.ResponseWriter, r *http.Request) {
	m := member(r)
	branch := r.URL.Query().Get("branch")
	if !m.FleetWide() {
		branch = m.Branch
	}
	if branch == "" && m.Role != RoleAdmin {
		writeFieldError(w, "branch", "branch is required")
		return
	}
	list, err := a.Store.LiveReservations(r.Context(), branch, "", a.Now())
	if err != nil {
		a.internal(w, "list reservations", err)
		return
	}
	writeJSON(w, http.StatusOK, nonNil(list))
}

func (a *API) deleteReservation(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	res, err := a.Store.Reservation(r.Context(), id)
	m := member(r)
	if errors.Is(err, store.ErrNotFound) || err == nil && !m.Serves(res.Branch) {
		writeError(w, http.StatusNotFound, "no reservation %q", id)
		return
	}
	if err == nil {
		err = a.Visits.CancelReservation(r.Context(), res)
	}
	if err == nil {
		err = a.Audit.Record(r.Context(), m.Name, "cancel-reservation", res.TerminalID, id)
	}
	if err != nil {
		a.fail(w, "cancel reservation", err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

type queueRequest struct {
	Card string `json:"card"`
}

func (a *API) enqueue(w http.ResponseWriter, r *http.Request) {
	branch := r.PathValue("id")
	var req queueRequest
	if !decode(w, r, &req) {
		return
	}
	if req.Card == "" {
		writeFieldError(w, "card", "card is required: the visitor's library card number")
		return
	}
	_, err := a.Store.Branch(r.Context(), branch)
	if errors.Is(err, store.ErrNotFound) || err == nil && !member(r).Serves(branch) {
		writeError(w, http.StatusNotFound, "no branch %q whose queue you may use", branch)
		return
	}
	if err != nil {
		a.internal(w, "load branch", err)
		return
	}
	pos, err := a.Visits.Enqueue(r.Context(), branch, req.Card)
	if err != nil {
		a.fail(w, "queue", err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"branch": branch, "position": pos})
}

// SessionView is a running session as staff see it: never a card number.
type SessionView struct {
	ID       string    `json:"id"`
	Terminal string    `json:"terminal"`
	Branch   string    `json:"branch"`
	Kind     string    `json:"kind"`
	Started  time.Time `json:"started"`
	Ends     time.Time `json:"ends"`
}

func (a *API) sessions(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("active") != "true" {
		writeFieldError(w, "active", "only running sessions are listed: add ?active=true")
		return
	}
	m := member(r)
	branch := r.URL.Query().Get("branch")
	if !m.FleetWide() {
		branch = m.Branch
	}
	list, err := a.Visits.ActiveSessions(r.Context(), branch)
	if err != nil {
		a.internal(w, "list sessions", err)
		return
	}
	out := make([]SessionView, len(list))
	for i, s := range list {
		out[i] = SessionView{ID: s.ID, Terminal: s.TerminalID, Branch: s.Branch, Kind: s.Kind, Started: s.GrantedAt, Ends: s.EndsAt}
	}
	writeJSON(w, http.StatusOK, out)
}
