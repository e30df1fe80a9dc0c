package api

import (
	"net/http"
	"strings"

	"piste/fleet/fault"
	"piste/fleet/protocol"
)

// agentReserve lets a visitor at a terminal's welcome screen reserve that
// terminal: the card is checked like a login, then the next free slot is
// held for it.
func (a *API) agentReserve(w http.ResponseWriter, r *http.Request) {
	t, ok := a.agentTerminal(w, r)
	if !ok {
		return
	}
	var req protocol.ReserveRequest
	if !decodeAgent(w, r, &req) {
		return
	}
	switch {
	case strings.TrimSpace(req.Card) == "":
		writeFieldError(w, "card", "card is required: the library card number")
		return
	case req.PIN == "":
		writeFieldError(w, "pin", "pin is required")
		return
	case len(req.Card) > 64 || len(req.PIN) > 64:
		writeFieldError(w, "card", "card and pin must be at most 64 characters")
		return
	case req.Minutes < 0 || req.Minutes > 1440:
		writeFieldError(w, "minutes", "minutes must be between 0 (the policy's max_minutes) and 1440, got %d", req.Minutes)
		return
	}
	res, err := a.Visits.ReserveNext(r.Context(), t, req.Card, req.PIN, req.Minutes)
	if _, bad := fault.AsField(err); bad {
		a.fail(w, "reserve for a visitor", err)
		return
	}
	if err != nil {
		a.writeVisitError(w, "reserve for a visitor", err)
		return
	}
	writeJSON(w, http.StatusOK, protocol.ReserveAnswer{Reservation: protocol.Reservation{
		ID: res.ID, From: res.StartsAt, Until: res.Until, CardHint: res.CardHint}})
}
