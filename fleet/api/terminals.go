package api

import (
	"errors"
	"net/http"
	"time"

	"piste/fleet/protocol"
	"piste/fleet/store"
)

// Terminal statuses shown to staff.
const (
	StatusOnline       = "online"
	StatusOffline      = "offline"
	StatusInSession    = "in_session"
	StatusOutOfService = "out_of_service"
)

// TerminalView is a terminal as the API and the web pages show it.
type TerminalView struct {
	ID           string       `json:"id"`
	Name         string       `json:"name"`
	Branch       string       `json:"branch"`
	Kind         string       `json:"kind"`
	Status       string       `json:"status"`
	State        string       `json:"state"`
	StateReason  string       `json:"state_reason,omitempty"`
	LastSeen     time.Time    `json:"last_seen,omitzero"`
	AgentVersion string       `json:"agent_version"`
	Hostname     string       `json:"hostname,omitempty"`
	OS           string       `json:"os,omitempty"`
	Revoked      bool         `json:"revoked,omitempty"`
	Health       store.Health `json:"health"`
	// LastWipe summarises the newest wipe receipt; absent before the first.
	LastWipe *store.LastWipe `json:"last_wipe,omitempty"`
}

// View combines a stored terminal with its live connection state.
func (a *API) View(t store.Terminal) TerminalView {
	v := TerminalView{ID: t.ID, Name: t.Name, Branch: t.Branch, Kind: t.Kind, State: t.State,
		StateReason: t.StateReason, LastSeen: t.LastSeen, AgentVersion: t.AgentVersion,
		Hostname: t.Hostname, OS: t.OS, Revoked: t.Revoked, Health: t.Health}
	online, seen := a.Hub.Online(t.ID)
	if seen.After(v.LastSeen) {
		v.LastSeen = seen
	}
	v.Status = StatusFor(online, t.State)
	return v
}

// StatusFor derives the staff-facing status from the link and agent state.
func StatusFor(online bool, state string) string {
	switch {
	case !online:
		return StatusOffline
	case protocol.TerminalState(state) == protocol.StateOutOfService:
		return StatusOutOfService
	case protocol.TerminalState(state).InSession():
		return StatusInSession
	default:
		return StatusOnline
	}
}

// Terminals lists the views a user may see, filtered by branch and status.
func (a *API) Terminals(r *http.Request, u store.User, branch, status string) ([]TerminalView, error) {
	if u.Branch != "" {
		branch = u.Branch
	}
	ts, err := a.Store.Terminals(r.Context(), branch)
	if err != nil {
		return nil, err
	}
	wipes, err := a.Store.LastWipes(r.Context())
	if err != nil {
		return nil, err
	}
	out := make([]TerminalView, 0, len(ts))
	for _, t := range ts {
		v := a.View(t)
		if lw, ok := wipes[t.ID]; ok {
			v.LastWipe = &lw
		}
		if status == "" || v.Status == status {
			out = append(out, v)
		}
	}
	return out, nil
}

func (a *API) terminals(w http.ResponseWriter, r *http.Request) {
	status := r.URL.Query().Get("status")
	switch status {
	case "", StatusOnline, StatusOffline, StatusInSession, StatusOutOfService:
	default:
		writeFieldError(w, "status", "status must be online, offline, in_session or out_of_service, got %q", status)
		return
	}
	views, err := a.Terminals(r, UserFrom(r.Context()), r.URL.Query().Get("branch"), status)
	if err != nil {
		a.internal(w, "list terminals", err)
		return
	}
	writeJSON(w, http.StatusOK, views)
}

// visibleTerminal loads the {id} terminal or answers 404 (also for a
// terminal of a branch the user may not see: its existence is not told).
func (a *API) visibleTerminal(w http.ResponseWriter, r *http.Request) (store.Terminal, bool) {
	id := r.PathValue("id")
	t, err := a.Store.Terminal(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) || err == nil && !canSee(UserFrom(r.Context()), t.Branch) {
		writeError(w, http.StatusNotFound, "no terminal %q", id)
		return t, false
	}
	if err != nil {
		a.internal(w, "load terminal", err)
		return t, false
	}
	return t, true
}

func (a *API) terminal(w http.ResponseWriter, r *http.Request) {
	t, ok := a.visibleTerminal(w, r)
	if !ok {
		return
	}
	v := a.View(t)
	receipts, err := a.Store.WipeReceipts(r.Context(), t.ID, 1)
	if err != nil {
		a.internal(w, "load last wipe", err)
		return
	}
	if len(receipts) == 1 {
		rc := receipts[0]
		v.LastWipe = &store.LastWipe{Verified: rc.Verified, At: rc.EndedAt, Strategy: string(rc.Strategy), Duration: rc.Duration}
	}
	writeJSON(w, http.StatusOK, v)
}

func (a *API) health(w http.ResponseWriter, r *http.Request) {
	t, ok := a.visibleTerminal(w, r)
	if !ok {
		return
	}
	since := a.Now().Add(-24 * time.Hour)
	if s := r.URL.Query().Get("since"); s != "" {
		var err error
		if since, err = time.Parse(time.RFC3339, s); err != nil {
			writeFieldError(w, "since", "since must be an RFC 3339 time like 2026-11-27T08:00:00Z, got %q", s)
			return
		}
	}
	samples, err := a.Store.HealthHistory(r.Context(), t.ID, since)
	if err != nil {
		a.internal(w, "read health history", err)
		return
	}
	writeJSON(w, http.StatusOK, nonNil(samples))
}

func (a *API) revoke(w http.ResponseWriter, r *http.Request) {
	t, ok := a.visibleTerminal(w, r)
	if !ok {
		return
	}
	if err := a.Store.RevokeTerminal(r.Context(), t.ID, a.Now()); err != nil {
		a.internal(w, "revoke terminal", err)
		return
	}
	a.Hub.Disconnect(t.ID, protocol.CloseUnauthorized, "terminal revoked by an admin")
	a.auditf(r, "revoke", t.ID, "")
	w.WriteHeader(http.StatusNoContent)
}
