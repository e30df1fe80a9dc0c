package api

import (
	"errors"
	"net/http"
	"time"

	"piste/fleet/store"
)

// branchStaff admits admins and the volunteers of one branch; branch is
// read by the handler, so this checks after the fact.
func branchStaff(u store.User, branch string) bool {
	switch u.Role {
	case RoleAdmin:
		return canSee(u, branch)
	case RoleVolunteer:
		return u.Branch == branch
	}
	return false
}

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
	t, err := a.Store.Terminal(r.Context(), req.Terminal)
	u := UserFrom(r.Context())
	if errors.Is(err, store.ErrNotFound) || err == nil && !branchStaff(u, t.Branch) {
		writeFieldError(w, "terminal", "no terminal %q that you may reserve", req.Terminal)
		return
	}
	if err != nil {
		a.internal(w, "load terminal", err)
		return
	}
	res, err := a.Visits.Reserve(r.Context(), t, req.Card, from, req.Minutes, u.Name)
	switch {
	case errors.Is(err, store.ErrConflict):
		writeError(w, http.StatusConflict, "terminal %s is already reserved in that slot; pick another time or computer", t.ID)
		return
	case err != nil && errors.Is(err, store.ErrNotFound):
		a.internal(w, "reserve", err)
		return
	case err != nil:
		writeFieldError(w, fieldOf(err, "from", "card", "minutes", "from"), "%v", err)
		return
	}
	a.auditf(r, "reserve", t.ID, res.ID+" card …"+res.CardHint)
	writeJSON(w, http.StatusCreated, res)
}

func (a *API) reservations(w http.ResponseWriter, r *http.Request) {
	u := UserFrom(r.Context())
	branch := r.URL.Query().Get("branch")
	if u.Branch != "" {
		branch = u.Branch
	}
	if branch == "" && u.Role != RoleAdmin {
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
	if errors.Is(err, store.ErrNotFound) || err == nil && !branchStaff(UserFrom(r.Context()), res.Branch) {
		writeError(w, http.StatusNotFound, "no reservation %q", id)
		return
	}
	if err == nil {
		err = a.Visits.CancelReservation(r.Context(), res)
	}
	if err != nil {
		a.internal(w, "cancel reservation", err)
		return
	}
	a.auditf(r, "cancel-reservation", res.TerminalID, id)
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
	if _, err := a.Store.Branch(r.Context(), branch); err != nil || !branchStaff(UserFrom(r.Context()), branch) {
		writeError(w, http.StatusNotFound, "no branch %q whose queue you may use", branch)
		return
	}
	pos, err := a.Visits.Enqueue(r.Context(), branch, req.Card)
	if err != nil {
		writeFieldError(w, "card", "%v", err)
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
	u := UserFrom(r.Context())
	branch := r.URL.Query().Get("branch")
	if u.Branch != "" {
		branch = u.Branch
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
