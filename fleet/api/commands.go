package api

import (
	"errors"
	"net/http"
	"slices"
	"time"
	"unicode/utf8"

	"piste/fleet/auth"
	"piste/fleet/changes"
	"piste/fleet/protocol"
	"piste/fleet/store"
)

type commandRequest struct {
	Type string `json:"type"`
	Text string `json:"text"`
	TTL  string `json:"ttl"`
}

// maxMessageRunes bounds a message so it fits on a kiosk screen.
const maxMessageRunes = 500

func (a *API) sendCommand(w http.ResponseWriter, r *http.Request) {
	t, ok := a.visibleTerminal(w, r)
	if !ok {
		return
	}
	var req commandRequest
	if !decode(w, r, &req) {
		return
	}
	if !slices.Contains(protocol.CommandTypes, req.Type) {
		writeFieldError(w, "type", "type must be one of %v, got %q", protocol.CommandTypes, req.Type)
		return
	}
	if req.Type == protocol.CommandMessage && req.Text == "" {
		writeFieldError(w, "text", "a message command needs text")
		return
	}
	if utf8.RuneCountInString(req.Text) > maxMessageRunes || !utf8.ValidString(req.Text) {
		writeFieldError(w, "text", "text must be valid UTF-8 of at most %d characters", maxMessageRunes)
		return
	}
	ttl := a.DefaultCommandTTL
	if req.TTL != "" {
		d, err := time.ParseDuration(req.TTL)
		if err != nil || d <= 0 || d > 30*24*time.Hour {
			writeFieldError(w, "ttl", "ttl must be a duration between 1s and 720h, like 10m, got %q", req.TTL)
			return
		}
		ttl = d
	}
	if t.Revoked {
		writeError(w, http.StatusConflict, "terminal %s is revoked; enroll it again", t.ID)
		return
	}
	now := a.Now()
	cmd := store.Command{ID: "c-" + auth.NewID(8), TerminalID: t.ID, Type: req.Type, Text: req.Text,
		Status: store.CommandQueued, CreatedBy: UserFrom(r.Context()).Name, CreatedAt: now, ExpiresAt: now.Add(ttl)}
	if err := a.Store.AddCommand(r.Context(), cmd); err != nil {
		a.internal(w, "queue command", err)
		return
	}
	a.auditf(r, "command:"+req.Type, t.ID, req.Text)
	a.Changes.Publish(changes.Change{Kind: changes.CommandQueued, Terminal: t.ID, Branch: t.Branch, Command: cmd.ID})
	writeJSON(w, http.StatusAccepted, map[string]string{"id": cmd.ID, "status": store.CommandQueued})
}

func (a *API) command(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	c, err := a.Store.Command(r.Context(), id)
	if err == nil {
		t, terr := a.Store.Terminal(r.Context(), c.TerminalID)
		if terr != nil || !canSee(UserFrom(r.Context()), t.Branch) {
			err = store.ErrNotFound
		}
	}
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusNotFound, "no command %q", id)
		return
	}
	if err != nil {
		a.internal(w, "load command", err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}
