package api

import (
	"net/http"
	"time"

	"piste/fleet/store"
	"piste/fleet/terminals"
)

type commandRequest struct {
	Type  string            `json:"type"`
	Text  string            `json:"text"`
	Texts map[string]string `json:"texts"` // a message per language: fi, sv, en
	TTL   string            `json:"ttl"`
}

func (a *API) sendCommand(w http.ResponseWriter, r *http.Request) {
	// The terminal is looked up first: a stranger's body is not read.
	if _, err := a.Terminals.Terminal(r.Context(), member(r), r.PathValue("id")); err != nil {
		a.fail(w, "load terminal", err)
		return
	}
	var req commandRequest
	if !decode(w, r, &req) {
		return
	}
	cmd := terminals.CommandRequest{Type: req.Type, Text: req.Text, Texts: req.Texts}
	if req.TTL != "" {
		d, err := time.ParseDuration(req.TTL)
		if err != nil || d <= 0 || d > 30*24*time.Hour {
			writeFieldError(w, "ttl", "ttl must be a duration between 1s and 720h, like 10m, got %q", req.TTL)
			return
		}
		cmd.TTL = d
	}
	c, err := a.Terminals.SendCommand(r.Context(), member(r), r.PathValue("id"), cmd)
	if err != nil {
		a.fail(w, "queue command", err)
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]string{"id": c.ID, "status": store.CommandQueued})
}

func (a *API) command(w http.ResponseWriter, r *http.Request) {
	c, err := a.Terminals.Command(r.Context(), member(r), r.PathValue("id"))
	if err != nil {
		a.fail(w, "load command", err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}
