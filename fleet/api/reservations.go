package api

import (
	"net/http"
	"time"

	"piste/fleet/visits"
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
	b := visits.Booking{Terminal: req.Terminal, Card: req.Card, Minutes: req.Minutes}
	if req.From != "" {
		t, err := time.Parse(time.RFC3339, req.From)
		if err != nil {
			writeFieldError(w, "from", "from must be an RFC 3339 time like 2026-11-27T14:00:00+02:00, got %q", req.From)
			return
		}
		b.From = t
	}
	res, err := a.Visits.Book(r.Context(), member(r), b)
	if err != nil {
		a.fail(w, "reserve", err)
		return
	}
	writeJSON(w, http.StatusCreated, res)
}

func (a *API) reservations(w http.ResponseWriter, r *http.Request) {
	list, err := a.Visits.Bookings(r.Context(), member(r), r.URL.Query().Get("branch"))
	if err != nil {
		a.fail(w, "list reservations", err)
		return
	}
	writeJSON(w, http.StatusOK, nonNil(list))
}

func (a *API) deleteReservation(w http.ResponseWriter, r *http.Request) {
	if err := a.Visits.CancelBooking(r.Context(), member(r), r.PathValue("id")); err != nil {
		a.fail(w, "cancel reservation", err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

type queueRequest struct {
	Card string `json:"card"`
}

func (a *API) enqueue(w http.ResponseWriter, r *http.Request) {
	var req queueRequest
	if !decode(w, r, &req) {
		return
	}
	branch := r.PathValue("id")
	pos, err := a.Visits.Queue(r.Context(), member(r), branch, req.Card)
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
	list, err := a.Visits.Running(r.Context(), member(r), r.URL.Query().Get("branch"))
	if err != nil {
		a.fail(w, "list sessions", err)
		return
	}
	out := make([]SessionView, len(list))
	for i, s := range list {
		out[i] = SessionView{ID: s.ID, Terminal: s.TerminalID, Branch: s.Branch, Kind: s.Kind, Started: s.GrantedAt, Ends: s.EndsAt}
	}
	writeJSON(w, http.StatusOK, out)
}
