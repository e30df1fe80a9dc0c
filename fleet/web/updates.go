package web

import (
	"net/http"
	"strconv"

	"piste/fleet/httpio"
	"piste/fleet/releases"
	"piste/fleet/staff"
	"piste/fleet/store"
)

// UpdatesPage is the updates page: each rollout's progress, each
// terminal's version and the releases, as far as the admin's branches go.
type UpdatesPage struct {
	Rollouts  []RolloutRow
	Terminals []releases.TerminalUpdate
	Releases  []store.Release
}

// RolloutRow is one rollout with what the page shows of it.
type RolloutRow struct {
	releases.RolloutView
	Updated int
	Failed  int
	Pending int // offered, staged or installing
	CanAct  bool
}

func (p *Pages) updates(w http.ResponseWriter, r *http.Request, u staff.Member) {
	p.renderUpdates(w, r, u, http.StatusOK, "")
}

func (p *Pages) renderUpdates(w http.ResponseWriter, r *http.Request, u staff.Member, status int, msg string) {
	ctx := r.Context()
	rollouts, err := p.Releases.Rollouts(ctx, u)
	if err != nil {
		p.internal(w, "list rollouts", err)
		return
	}
	versions, err := p.Releases.Versions(ctx, u)
	if err != nil {
		p.internal(w, "list versions", err)
		return
	}
	rels, err := p.Releases.List(ctx, u)
	if err != nil {
		p.internal(w, "list releases", err)
		return
	}
	page := UpdatesPage{Terminals: versions, Releases: rels}
	for _, ro := range rollouts {
		row := RolloutRow{RolloutView: ro, Updated: ro.Counts[releases.TerminalUpdated] + ro.Counts[releases.TerminalReverted],
			Failed: ro.Counts[releases.TerminalFailed], CanAct: p.Releases.CanSteer(u, ro.Rollout)}
		row.Pending = ro.Targeted - row.Updated - row.Failed
		page.Rollouts = append(page.Rollouts, row)
	}
	p.render(w, r, status, "updates", view{Title: "updates.title", User: u, Error: msg, Data: page})
}

// steerRollout pauses, resumes or rolls back a rollout from the page's
// forms (same-origin posts, no script needed).
func (p *Pages) steerRollout(w http.ResponseWriter, r *http.Request, u staff.Member) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		p.notFound(w, r)
		return
	}
	switch r.PathValue("action") {
	case "pause":
		err = p.Releases.Pause(r.Context(), u, id)
	case "resume":
		err = p.Releases.Resume(r.Context(), u, id)
	case "rollback":
		err = p.Releases.Rollback(r.Context(), u, id)
	default:
		p.notFound(w, r)
		return
	}
	if err != nil {
		status := httpio.Status(err)
		if status == http.StatusInternalServerError {
			p.internal(w, "steer rollout", err)
			return
		}
		p.renderUpdates(w, r, u, status, err.Error())
		return
	}
	http.Redirect(w, r, "/updates", http.StatusSeeOther)
}
