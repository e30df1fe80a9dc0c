package api

import (
	"net/http"
	"time"

	"piste/fleet/terminals"
)

type bulkRequest struct {
	Filter    *terminals.Query  `json:"filter"`
	Terminals []string          `json:"terminals"`
	Type      string            `json:"type"`
	Texts     map[string]string `json:"texts"`
	Text      string            `json:"text"`
	TTL       string            `json:"ttl"`
	Confirm   int               `json:"confirm_count"`
	DryRun    bool              `json:"dry_run"`
}

// bulkCommand queues one command for the terminals of a filter or a list;
// with dry_run it only counts them, for the confirmation.
func (a *API) bulkCommand(w http.ResponseWriter, r *http.Request) {
	var req bulkRequest
	if !decode(w, r, &req) {
		return
	}
	br := terminals.BulkRequest{Filter: req.Filter, Terminals: req.Terminals, Type: req.Type, Texts: req.Texts,
		Confirm: req.Confirm, DryRun: req.DryRun}
	if req.Text != "" {
		if br.Texts == nil {
			br.Texts = map[string]string{}
		}
		if _, ok := br.Texts["fi"]; ok {
			writeFieldError(w, "text", "give text or texts.fi, not both")
			return
		}
		br.Texts["fi"] = req.Text
	}
	if req.TTL != "" {
		d, err := time.ParseDuration(req.TTL)
		if err != nil || d <= 0 || d > 30*24*time.Hour {
			writeFieldError(w, "ttl", "ttl must be a duration between 1s and 720h, like 10m, got %q", req.TTL)
			return
		}
		br.TTL = d
	}
	res, err := a.Terminals.Bulk(r.Context(), member(r), br)
	if err != nil {
		a.fail(w, "queue bulk command", err)
		return
	}
	status := http.StatusAccepted
	if req.DryRun {
		status = http.StatusOK
	}
	writeJSON(w, status, res)
}

func (a *API) bulkProgress(w http.ResponseWriter, r *http.Request) {
	p, err := a.Terminals.Progress(r.Context(), member(r), r.PathValue("id"))
	if err != nil {
		a.fail(w, "load bulk action", err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}
