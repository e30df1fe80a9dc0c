package api

import (
	"net/http"
	"time"

	"piste/fleet/fault"
)

// wakeBranch has an awake terminal of a branch wake the others now.
func (a *API) wakeBranch(w http.ResponseWriter, r *http.Request) {
	wk, err := a.Power.WakeBranch(r.Context(), member(r), r.PathValue("id"))
	if err != nil {
		a.fail(w, "wake branch", err)
		return
	}
	writeJSON(w, http.StatusAccepted, wk)
}

// powerSaved reports the hours terminals were off on their schedule, by
// branch, for ?month=YYYY-MM (this month when absent).
func (a *API) powerSaved(w http.ResponseWriter, r *http.Request) {
	from, to, err := monthRange(r.URL.Query().Get("month"), a.Now())
	if err != nil {
		a.fail(w, "read month", err)
		return
	}
	saved, err := a.Power.Saved(r.Context(), member(r), from, to)
	if err != nil {
		a.fail(w, "read hours saved", err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"month": from.Format("2006-01"), "branches": saved})
}

// monthRange reads YYYY-MM as the UTC month [from, to); empty is now's month.
func monthRange(text string, now time.Time) (time.Time, time.Time, error) {
	if text == "" {
		text = now.UTC().Format("2006-01")
	}
	from, err := time.Parse("2006-01", text)
	if err != nil {
		return from, from, fault.Field("month", "month must be written YYYY-MM, like 2026-11, got %q", text)
	}
	return from, from.AddDate(0, 1, 0), nil
}

// setDayHours sets a branch's opening hours on one date (exceptional
// hours); {"hours": ""} removes the date's entry.
func (a *API) setDayHours(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Hours string `json:"hours"`
		Note  string `json:"note"`
	}
	if !decode(w, r, &req) {
		return
	}
	v, err := a.Policies.SetDayHours(r.Context(), member(r), r.PathValue("id"), r.PathValue("date"), req.Hours, req.Note)
	if err != nil {
		a.fail(w, "set the day's hours", err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"scope": "branch:" + r.PathValue("id"), "version": v})
}

func (a *API) powerSchedules(w http.ResponseWriter, r *http.Request) {
	s, err := a.Power.Schedules(r.Context(), member(r))
	if err != nil {
		a.fail(w, "read power schedules", err)
		return
	}
	writeJSON(w, http.StatusOK, s)
}
