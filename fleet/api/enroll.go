package api

import (
	"errors"
	"net/http"
	"time"

	"piste/fleet/auth"
	"piste/fleet/changes"
	"piste/fleet/protocol"
	"piste/fleet/store"
)

func (a *API) enroll(w http.ResponseWriter, r *http.Request) {
	var req protocol.EnrollRequest
	if !decodeAgent(w, r, &req) {
		return
	}
	if req.Code == "" {
		writeFieldError(w, "code", "code is required: ask an admin for an enrollment code (piste-fleet enroll-code)")
		return
	}
	if req.Kind == "" {
		req.Kind = protocol.KindPC
	}
	if !req.Kind.Valid() {
		writeFieldError(w, "kind", "kind must be pc or screen, got %q", req.Kind)
		return
	}
	if len(req.Name) > 64 || len(req.Hostname) > 255 || len(req.OS) > 64 || len(req.AgentVersion) > 64 {
		writeFieldError(w, "name", "name, hostname, os or agent_version too long")
		return
	}
	// The same limiter as staff logins keeps codes from being guessed.
	now := a.Now()
	key := "enroll:" + clientIP(r)
	if ok, _ := a.Logins.Allow(key, now); !ok {
		writeError(w, http.StatusTooManyRequests, "too many wrong enrollment codes from this address; wait and retry")
		return
	}
	id := "t-" + auth.NewID(6)
	if req.Name == "" {
		req.Name = req.Hostname
	}
	if req.Name == "" {
		req.Name = id
	}
	token := auth.NewToken()
	t, err := a.Store.Enroll(r.Context(), auth.HashToken(auth.NormalizeCode(req.Code)), store.Terminal{
		ID: id, Name: req.Name, Kind: string(req.Kind), TokenHash: auth.HashToken(token),
		Hostname: req.Hostname, OS: req.OS, AgentVersion: req.AgentVersion, MAC: enrollMAC(req.MAC),
	}, now)
	switch {
	case errors.Is(err, store.ErrCodeInvalid):
		a.Logins.Fail(key, now)
		writeFieldError(w, "code", "enrollment code not recognised: check it, or ask an admin for a new one")
		return
	case errors.Is(err, store.ErrCodeExpired):
		writeFieldError(w, "code", "enrollment code has expired: ask an admin for a new one")
		return
	case errors.Is(err, store.ErrCodeUsedUp):
		writeFieldError(w, "code", "enrollment code has been used up: ask an admin for a new one")
		return
	case err != nil:
		a.internal(w, "enroll", err)
		return
	}
	if err := a.Audit.Record(r.Context(), "terminal:"+t.ID, "enroll", t.ID, "branch "+t.Branch+", name "+t.Name); err != nil {
		a.internal(w, "enroll", err)
		return
	}
	a.Changes.Publish(changes.Change{Kind: changes.TerminalChanged, Terminal: t.ID, Branch: t.Branch})
	writeJSON(w, http.StatusCreated, protocol.EnrollResponse{TerminalID: t.ID, Name: t.Name, Branch: t.Branch, Token: token})
}

type enrollCodeRequest struct {
	Branch string `json:"branch"`
	Uses   int    `json:"uses"`
	TTL    string `json:"ttl"`
}

func (a *API) newEnrollCode(w http.ResponseWriter, r *http.Request) {
	var req enrollCodeRequest
	if !decode(w, r, &req) {
		return
	}
	if req.Uses == 0 {
		req.Uses = 1
	}
	ttl := 24 * time.Hour
	if req.TTL != "" {
		d, err := time.ParseDuration(req.TTL)
		if err != nil || d <= 0 {
			writeFieldError(w, "ttl", "ttl must be a positive duration like 24h, got %q", req.TTL)
			return
		}
		ttl = d
	}
	code, err := a.Terminals.NewEnrollCode(r.Context(), member(r), req.Branch, req.Uses, ttl)
	if err != nil {
		a.fail(w, "create enrollment code", err)
		return
	}
	writeJSON(w, http.StatusCreated, code)
}

// enrollMAC is the MAC address an agent enrolled with, normalised; an
// unreadable one is left out rather than refusing the terminal.
func enrollMAC(s string) string {
	m, err := protocol.ParseMAC(s)
	if err != nil {
		return ""
	}
	return m.String()
}
