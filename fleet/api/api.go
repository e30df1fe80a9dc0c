// Package api serves the fleet's JSON API under /api/v1: staff login,
// terminal enrollment, terminals and their health, commands and audit.
// Every route is described in openapi.yaml, served at /api/v1/openapi.yaml.
package api

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"piste/fleet/alerts"
	"piste/fleet/audit"
	"piste/fleet/auth"
	"piste/fleet/changes"
	"piste/fleet/fault"
	"piste/fleet/guestpasses"
	"piste/fleet/help"
	"piste/fleet/httpio"
	"piste/fleet/hub"
	"piste/fleet/measures"
	"piste/fleet/mydata"
	"piste/fleet/policies"
	"piste/fleet/power"
	"piste/fleet/protocol"
	"piste/fleet/releases"
	"piste/fleet/signage"
	"piste/fleet/staff"
	"piste/fleet/store"
	"piste/fleet/terminals"
	"piste/fleet/visits"
)

//go:embed openapi.yaml
var openapiYAML []byte

// OpenAPI returns the API description.
func OpenAPI() []byte { return openapiYAML }

// Roles of staff accounts, as the domain names them.
const (
	RoleAdmin     = staff.RoleAdmin
	RoleVolunteer = staff.RoleVolunteer
	RoleEditor    = staff.RoleEditor
)

// SessionCookie is the browser's login cookie.
const SessionCookie = staff.SessionCookie

// SessionTTL is how long a staff login lasts.
const SessionTTL = staff.SessionTTL

// API holds the handlers' dependencies: the domain services it adapts to
// HTTP, and what only the agents' endpoints use.
type API struct {
	Staff       *staff.Service
	Terminals   *terminals.Service
	Policies    *policies.Service
	GuestPasses *guestpasses.Service
	Audit       *audit.Log
	// Visits serves visitor sessions, reservations and the queue.
	Visits *visits.Service
	// Help serves digital support: help requests, duty, statistics.
	Help *help.Service
	// MyData keeps the settings visitors chose to have remembered.
	MyData *mydata.Service
	// Power wakes branches and reports the hours saved.
	Power *power.Service
	// Measures counts the programme's measures and makes their open data.
	Measures *measures.Service

	Store        *store.Store // enrollment and the agents' endpoints
	Hub          *hub.Hub
	Log          *slog.Logger
	SecureCookie bool // set the cookie's Secure flag (TLS)
	Logins       *auth.Limiter
	Now          func() time.Time
	// Changes is where the live view hears what changed.
	Changes *changes.Bus
	// Releases keeps signed releases and runs rollouts; nil serves no
	// release routes.
	Releases *releases.Service

	helpFeed helpFeed // the volunteers' live queues' shared reader
	// Alerts runs the alert rules and serves the open alerts.
	Alerts *alerts.Service
	// Signage serves info-screen content, schedules and notices.
	Signage *signage.Service
}

// New returns an API over the domain services built on st and h. Their
// clocks follow the API's Now.
func New(st *store.Store, h *hub.Hub, log *slog.Logger) *API {
	a := &API{Store: st, Hub: h, Log: log, Logins: auth.NewLimiter(5, 15*time.Minute), Now: time.Now, Changes: h.Changes()}
	now := func() time.Time { return a.Now() }
	a.Audit = audit.New(st)
	a.Audit.Now = now
	a.Staff = staff.New(st, a.Audit)
	a.Staff.Now = now
	a.Terminals = terminals.New(st, h, a.Audit)
	a.Terminals.Now = now
	a.Terminals.Changes = a.Changes
	a.Policies = policies.New(st, a.Audit)
	a.Policies.Now = now
	a.Policies.Changes = a.Changes
	a.GuestPasses = guestpasses.New(st, a.Audit)
	a.GuestPasses.Now = now
	a.Alerts = alerts.New(st, h, a.Audit)
	a.Alerts.Now = now
	a.Alerts.Changes = a.Changes
	a.Power = power.New(st, h, a.Audit)
	a.Power.Now = now
	a.Power.Changes = a.Changes
	a.Measures = measures.New(st)
	a.Measures.Now = now
	return a
}

// Register adds the API's routes to mux.
func (a *API) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/v1/openapi.yaml", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/yaml")
		w.Write(openapiYAML)
	})
	mux.HandleFunc("POST /api/v1/auth/login", a.login)
	mux.HandleFunc("POST /api/v1/auth/logout", a.logout)
	mux.Handle("GET /api/v1/auth/me", a.staff(a.me))
	mux.HandleFunc("POST "+protocol.PathEnroll, a.enroll)
	mux.Handle("GET /api/v1/branches", a.staff(a.branches))
	mux.Handle("POST /api/v1/enroll-codes", a.role(RoleAdmin, a.newEnrollCode))
	mux.Handle("GET /api/v1/terminals", a.role(RoleAdmin, a.terminals))
	mux.Handle("GET /api/v1/terminals/{id}", a.role(RoleAdmin, a.terminal))
	mux.Handle("GET /api/v1/terminals/{id}/health", a.role(RoleAdmin, a.health))
	mux.Handle("POST /api/v1/terminals/{id}/commands", a.role(RoleAdmin, a.sendCommand))
	mux.Handle("POST /api/v1/terminals/{id}/revoke", a.role(RoleAdmin, a.revoke))
	mux.Handle("GET /api/v1/commands/{id}", a.role(RoleAdmin, a.command))
	mux.Handle("GET /api/v1/audit", a.role(RoleAdmin, a.audit))
	mux.Handle("GET /api/v1/live", a.role(RoleAdmin, a.live))
	a.registerVisits(mux)
	a.registerReleases(mux)
	a.registerHelp(mux)
	a.registerMyData(mux)
	a.registerSignage(mux)
	mux.HandleFunc("/api/v1/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "no such API endpoint: %s %s (see /api/v1/openapi.yaml)", r.Method, r.URL.Path)
	})
}

// registerVisits adds the routes of visitor sessions and wipe receipts.
func (a *API) registerVisits(mux *http.ServeMux) {
	mux.HandleFunc("POST /api/v1/agent/login", a.agentLogin)
	mux.HandleFunc("POST /api/v1/agent/guest", a.agentGuest)
	mux.HandleFunc("POST /api/v1/agent/sessions/{id}/extend", a.agentExtend)
	mux.HandleFunc("POST /api/v1/agent/reservations", a.agentReserve) // protocol.PathAgentReserve
	mux.Handle("GET /api/v1/policies/{scope}", a.role(RoleAdmin, a.getPolicy))
	mux.Handle("PUT /api/v1/policies/{scope}", a.role(RoleAdmin, a.putPolicy))
	a.registerConsole(mux)
	mux.Handle("POST /api/v1/guest-passes", a.role(RoleAdmin, a.newGuestPasses))
	mux.Handle("POST /api/v1/reservations", a.branchRoles(a.newReservation))
	mux.Handle("GET /api/v1/reservations", a.branchRoles(a.reservations))
	mux.Handle("DELETE /api/v1/reservations/{id}", a.branchRoles(a.deleteReservation))
	mux.Handle("POST /api/v1/branches/{id}/queue", a.branchRoles(a.enqueue))
	mux.Handle("GET /api/v1/sessions", a.role(RoleAdmin, a.sessions))
	mux.Handle("GET /api/v1/terminals/{id}/wipes", a.role(RoleAdmin, a.wipes))
	mux.Handle("GET /api/v1/alerts", a.role(RoleAdmin, a.alerts))
	mux.Handle("POST /api/v1/alerts/{id}/ack", a.role(RoleAdmin, a.ackAlert))
	mux.Handle("POST /api/v1/commands/bulk", a.role(RoleAdmin, a.bulkCommand))
	mux.Handle("GET /api/v1/commands/bulk/{id}", a.role(RoleAdmin, a.bulkProgress))
	mux.Handle("GET /api/v1/terminals/{id}/rejected-events", a.role(RoleAdmin, a.rejectedEvents))
	mux.Handle("POST /api/v1/terminals/{id}/rejected-events/settle", a.role(RoleAdmin, a.settleRejected))
}

// branchRoles admits admins and volunteers; the handler checks the branch.
func (a *API) branchRoles(next http.HandlerFunc) http.Handler {
	return a.staff(func(w http.ResponseWriter, r *http.Request) {
		if err := member(r).Need(RoleAdmin, RoleVolunteer); err != nil {
			a.fail(w, "check role", err)
			return
		}
		next(w, r)
	})
}

// apiError is the body of every error answer.
type apiError = httpio.Error

func writeJSON(w http.ResponseWriter, status int, v any) { httpio.WriteJSON(w, status, v) }

func writeError(w http.ResponseWriter, status int, format string, args ...any) {
	writeJSON(w, status, apiError{Error: fmt.Sprintf(format, args...)})
}

func writeFieldError(w http.ResponseWriter, field, format string, args ...any) {
	writeJSON(w, http.StatusBadRequest, apiError{Error: fmt.Sprintf(format, args...), Field: field})
}

// fail answers a domain error with its status; anything not a domain
// error is logged and answered 500 with the request id.
func (a *API) fail(w http.ResponseWriter, what string, err error) {
	httpio.WriteError(w, a.Log, what, err)
}

// decode reads a JSON body strictly (see httpio.Decode), answering the
// refusal itself.
func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := httpio.Decode(w, r, v); err != nil {
		httpio.WriteError(w, nil, "read body", err)
		return false
	}
	return true
}

// decodeAgent reads an agent's request body like decode but ignores fields
// this fleet does not know: a newer agent may add them within the protocol
// version (docs/protocol.md, "Versions").
func decodeAgent(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := httpio.DecodeAgent(w, r, v); err != nil {
		httpio.WriteError(w, nil, "read body", err)
		return false
	}
	return true
}

type ctxKey struct{}

// member returns the authenticated staff member of a request.
func member(r *http.Request) staff.Member {
	m, _ := r.Context().Value(ctxKey{}).(staff.Member)
	return m
}

// staff admits any logged-in staff member.
func (a *API) staff(next http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m, err := a.authenticate(r)
		if errors.Is(err, fault.ErrUnauthenticated) {
			writeError(w, http.StatusUnauthorized, "log in first: POST /api/v1/auth/login, then send Authorization: Bearer <token>")
			return
		}
		if err != nil {
			a.fail(w, "authenticate", err)
			return
		}
		if m.MustChangePassword && !passwordChangeRoute(r) {
			a.fail(w, "check password", errMustChangePassword)
			return
		}
		next(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, m)))
	})
}

// authenticate finds the member behind a request: the local admin on the
// fleet's admin socket, or the holder of a bearer token or session cookie.
func (a *API) authenticate(r *http.Request) (staff.Member, error) {
	if m, ok := localAdmin(r.Context()); ok {
		return m, nil
	}
	return a.Staff.Authenticate(r.Context(), httpio.Token(r))
}

// role admits only staff of one role.
func (a *API) role(role string, next http.HandlerFunc) http.Handler {
	return a.staff(func(w http.ResponseWriter, r *http.Request) {
		if err := member(r).Need(role); err != nil {
			a.fail(w, "check role", err)
			return
		}
		next(w, r)
	})
}

func (a *API) audit(w http.ResponseWriter, r *http.Request) {
	f, err := audit.ParseFilter(r.URL.Query())
	if err != nil {
		a.fail(w, "read audit filter", err)
		return
	}
	entries, err := a.Audit.Search(r.Context(), member(r), f)
	if err != nil {
		a.fail(w, "read audit log", err)
		return
	}
	writeJSON(w, http.StatusOK, nonNil(entries))
}

func (a *API) branches(w http.ResponseWriter, r *http.Request) {
	bs, err := a.Staff.Branches(r.Context(), member(r))
	if err != nil {
		a.fail(w, "list branches", err)
		return
	}
	writeJSON(w, http.StatusOK, nonNil(bs))
}

// internal answers an unexpected failure: 500 with the request id.
func (a *API) internal(w http.ResponseWriter, what string, err error) { a.fail(w, what, err) }

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
