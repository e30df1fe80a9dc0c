package api

import (
	"net/http"
	"time"

	"piste/fleet/guestpasses"
)

type guestPassRequest struct {
	Branch     string `json:"branch"`
	Count      int    `json:"count"`
	Minutes    int    `json:"minutes"`
	ValidUntil string `json:"valid_until"`
}

// GuestPassBatch is a batch of new guest passes; the codes are shown once.
type GuestPassBatch = guestpasses.Batch

func (a *API) newGuestPasses(w http.ResponseWriter, r *http.Request) {
	var req guestPassRequest
	if !decode(w, r, &req) {
		return
	}
	gr := guestpasses.Request{Branch: req.Branch, Count: req.Count, Minutes: req.Minutes}
	if req.ValidUntil != "" {
		t, err := time.Parse(time.RFC3339, req.ValidUntil)
		if err != nil {
			writeFieldError(w, "valid_until", "valid_until must be an RFC 3339 time like 2026-12-31T20:00:00Z, got %q", req.ValidUntil)
			return
		}
		gr.ValidUntil = t
	}
	batch, err := a.GuestPasses.Issue(r.Context(), member(r), gr)
	if err != nil {
		a.fail(w, "make guest passes", err)
		return
	}
	writeJSON(w, http.StatusCreated, batch)
}
