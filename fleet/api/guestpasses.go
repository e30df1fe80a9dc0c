package api

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"piste/fleet/visits"
)

type guestPassRequest struct {
	Branch     string `json:"branch"`
	Count      int    `json:"count"`
	Minutes    int    `json:"minutes"`
	ValidUntil string `json:"valid_until"`
}

// GuestPassBatch is a batch of new guest passes; the codes are shown once.
type GuestPassBatch struct {
	Branch     string    `json:"branch"`
	Minutes    int       `json:"minutes"`
	ValidUntil time.Time `json:"valid_until"`
	Codes      []string  `json:"codes"`
}

// NewGuestPasses checks a request for a batch and creates it; the web
// page's form uses it too.
func (a *API) NewGuestPasses(r *http.Request, branch string, count, minutes int, validUntil string) (GuestPassBatch, string, error) {
	now := a.Now()
	until := now.Add(30 * 24 * time.Hour)
	if validUntil != "" {
		t, err := time.Parse(time.RFC3339, validUntil)
		if err != nil {
			return GuestPassBatch{}, "valid_until", errorf("valid_until must be an RFC 3339 time like 2026-12-31T20:00:00Z, got %q", validUntil)
		}
		until = t
	}
	if !canSee(UserFrom(r.Context()), branch) {
		return GuestPassBatch{}, "branch", errorf("you may not make guest passes for branch %q", branch)
	}
	codes, err := visits.NewGuestPasses(r.Context(), a.Store, branch, count, minutes, until, now)
	if err != nil {
		return GuestPassBatch{}, fieldOf(err, "branch", "count", "minutes", "valid_until"), err
	}
	a.auditf(r, "guest-passes", branch, strconv.Itoa(count)+" passes of "+strconv.Itoa(minutes)+" min")
	return GuestPassBatch{Branch: branch, Minutes: minutes, ValidUntil: until.UTC(), Codes: codes}, "", nil
}

func (a *API) newGuestPasses(w http.ResponseWriter, r *http.Request) {
	var req guestPassRequest
	if !decode(w, r, &req) {
		return
	}
	batch, field, err := a.NewGuestPasses(r, req.Branch, req.Count, req.Minutes, req.ValidUntil)
	if err != nil {
		writeFieldError(w, field, "%v", err)
		return
	}
	writeJSON(w, http.StatusCreated, batch)
}

func errorf(format string, args ...any) error { return fmt.Errorf(format, args...) }

// fieldOf names the request field an error message starts with.
func fieldOf(err error, fallback string, fields ...string) string {
	for _, f := range fields {
		if strings.HasPrefix(err.Error(), f+" ") {
			return f
		}
	}
	return fallback
}
