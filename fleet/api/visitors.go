package api

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"piste/fleet/auth"
	"piste/fleet/protocol"
	"piste/fleet/store"
	"piste/fleet/visits"
)

// agentTerminal authenticates an agent's HTTP call by its terminal token,
// as the link does.
func (a *API) agentTerminal(w http.ResponseWriter, r *http.Request) (store.Terminal, bool) {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || token == "" {
		writeError(w, http.StatusUnauthorized, "missing terminal token (Authorization: Bearer ...)")
		return store.Terminal{}, false
	}
	t, err := a.Store.TerminalByToken(r.Context(), auth.HashToken(token))
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusUnauthorized, "terminal token unknown or revoked: enroll this terminal again")
		return t, false
	}
	if err != nil {
		a.internal(w, "look up terminal token", err)
		return t, false
	}
	return t, true
}

// writeVisitError answers a refusal with its code (409, or 429 with
// Retry-After for a locked card or too many card checks) and anything
// else as a server error.
func (a *API) writeVisitError(w http.ResponseWriter, what string, err error) {
	ref, ok := visits.AsRefusal(err)
	if !ok {
		a.internal(w, what, err)
		return
	}
	status := http.StatusConflict
	if ref.Code == protocol.RefusalLockedOut || ref.Code == protocol.RefusalRateLimited {
		status = http.StatusTooManyRequests
		w.Header().Set("Retry-After", strconv.Itoa(ref.Body().Refusal.RetryAfterSeconds))
	}
	writeJSON(w, status, ref.Body())
}

func (a *API) agentLogin(w http.ResponseWriter, r *http.Request) {
	t, ok := a.agentTerminal(w, r)
	if !ok {
		return
	}
	var req protocol.LoginRequest
	if !decodeAgent(w, r, &req) {
		return
	}
	if strings.TrimSpace(req.Card) == "" {
		writeFieldError(w, "card", "card is required: the library card number")
		return
	}
	if req.PIN == "" {
		writeFieldError(w, "pin", "pin is required")
		return
	}
	if len(req.Card) > 64 || len(req.PIN) > 64 {
		writeFieldError(w, "card", "card and pin must be at most 64 characters")
		return
	}
	grant, err := a.Visits.Login(r.Context(), t, req.Card, req.PIN)
	a.Visits.CountRefusal(r.Context(), t, err)
	if err != nil {
		a.writeVisitError(w, "card login", err)
		return
	}
	writeJSON(w, http.StatusOK, grant)
}

func (a *API) agentGuest(w http.ResponseWriter, r *http.Request) {
	t, ok := a.agentTerminal(w, r)
	if !ok {
		return
	}
	var req protocol.GuestRequest
	if !decodeAgent(w, r, &req) {
		return
	}
	if strings.TrimSpace(req.Code) == "" || len(req.Code) > 64 {
		writeFieldError(w, "code", "code is required: the guest pass code (at most 64 characters)")
		return
	}
	// Guest codes are short; the staff-login limiter keeps them from
	// being guessed through a terminal.
	now := a.Now()
	key := "guest:" + t.ID
	if ok, wait := a.Logins.Allow(key, now); !ok {
		writeJSON(w, http.StatusTooManyRequests, (&visits.Refusal{Code: protocol.RefusalLockedOut,
			Msg: "too many wrong guest codes on this terminal; wait a while", RetryAfter: wait}).Body())
		return
	}
	grant, err := a.Visits.Guest(r.Context(), t, req.Code)
	a.Visits.CountRefusal(r.Context(), t, err)
	if ref, isRef := visits.AsRefusal(err); isRef && ref.Code == protocol.RefusalInvalidGuest {
		a.Logins.Fail(key, now)
	}
	if err != nil {
		a.writeVisitError(w, "guest login", err)
		return
	}
	writeJSON(w, http.StatusOK, grant)
}

func (a *API) agentExtend(w http.ResponseWriter, r *http.Request) {
	t, ok := a.agentTerminal(w, r)
	if !ok {
		return
	}
	ext, err := a.Visits.Extend(r.Context(), t, r.PathValue("id"))
	if errors.Is(err, visits.ErrNoSession) {
		writeError(w, http.StatusNotFound, "no running session %q on this terminal", r.PathValue("id"))
		return
	}
	if err != nil {
		a.writeVisitError(w, "extend session", err)
		return
	}
	writeJSON(w, http.StatusOK, ext)
}
