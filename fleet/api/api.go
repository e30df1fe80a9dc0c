// Package api serves the fleet's JSON API under /api/v1: staff login,
// terminal enrollment, terminals and their health, commands and audit.
// Every route is described in openapi.yaml, served at /api/v1/openapi.yaml.
package api

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"piste/fleet/auth"
	"piste/fleet/hub"
	"piste/fleet/protocol"
	"piste/fleet/store"
	"piste/fleet/visits"
)

//go:embed openapi.yaml
var openapiYAML []byte

// OpenAPI returns the API description.
func OpenAPI() []byte { return openapiYAML }

// Roles of staff accounts.
const (
	RoleAdmin     = "admin"
	RoleVolunteer = "volunteer"
	RoleEditor    = "editor"
)

// ValidRole reports whether r is a known role.
func ValidRole(r string) bool { return r == RoleAdmin || r == RoleVolunteer || r == RoleEditor }

// SessionCookie is the browser's login cookie.
const SessionCookie = "piste_session"

// SessionTTL is how long a staff login lasts.
const SessionTTL = 12 * time.Hour

// API holds the handlers' dependencies.
type API struct {
	Store        *store.Store
	Hub          *hub.Hub
	Log          *slog.Logger
	SecureCookie bool // set the cookie's Secure flag (TLS)
	Logins       *auth.Limiter
	Now          func() time.Time
	// DefaultCommandTTL applies when a command request names no ttl.
	DefaultCommandTTL time.Duration
	// Visits serves visitor sessions, policies and reservations.
	Visits *visits.Service
}

// New returns an API with sensible limits.
func New(st *store.Store, h *hub.Hub, log *slog.Logger) *API {
	return &API{Store: st, Hub: h, Log: log, Logins: auth.NewLimiter(5, 15*time.Minute),
		Now: time.Now, DefaultCommandTTL: 24 * time.Hour}
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
	mux.Handle("POST /api/v1/guest-passes", a.role(RoleAdmin, a.newGuestPasses))
	mux.Handle("POST /api/v1/reservations", a.branchRoles(a.newReservation))
	mux.Handle("GET /api/v1/reservations", a.branchRoles(a.reservations))
	mux.Handle("DELETE /api/v1/reservations/{id}", a.branchRoles(a.deleteReservation))
	mux.Handle("POST /api/v1/branches/{id}/queue", a.branchRoles(a.enqueue))
	mux.Handle("GET /api/v1/sessions", a.role(RoleAdmin, a.sessions))
	mux.Handle("GET /api/v1/terminals/{id}/wipes", a.role(RoleAdmin, a.wipes))
	mux.Handle("GET /api/v1/alerts", a.role(RoleAdmin, a.alerts))
}

// branchRoles admits admins and volunteers; the handler checks the branch.
func (a *API) branchRoles(next http.HandlerFunc) http.Handler {
	return a.staff(func(w http.ResponseWriter, r *http.Request) {
		if u := UserFrom(r.Context()); u.Role != RoleAdmin && u.Role != RoleVolunteer {
			writeError(w, http.StatusForbidden, "this needs the admin or volunteer role; you are %s", u.Role)
			return
		}
		next(w, r)
	})
}

// apiError is the body of every error answer.
type apiError struct {
	Error string `json:"error"`
	Field string `json:"field,omitempty"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, format string, args ...any) {
	writeJSON(w, status, apiError{Error: fmt.Sprintf(format, args...)})
}

func writeFieldError(w http.ResponseWriter, field, format string, args ...any) {
	writeJSON(w, http.StatusBadRequest, apiError{Error: fmt.Sprintf(format, args...), Field: field})
}

// maxBody bounds every request body.
const maxBody = 64 << 10

// decode reads a JSON body strictly: unknown fields, trailing data and
// oversized bodies are refused with a message naming the problem.
func decode(w http.ResponseWriter, r *http.Request, v any) bool { return decodeJSON(w, r, v, true) }

// decodeAgent reads an agent's request body like decode but ignores fields
// this fleet does not know: a newer agent may add them within the protocol
// version (docs/protocol.md, "Versions").
func decodeAgent(w http.ResponseWriter, r *http.Request, v any) bool {
	return decodeJSON(w, r, v, false)
}

func decodeJSON(w http.ResponseWriter, r *http.Request, v any, strict bool) bool {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		writeError(w, http.StatusUnsupportedMediaType, "body must be application/json, got %s", ct)
		return false
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	if strict {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(v); err != nil {
		var tooBig *http.MaxBytesError
		var syntax *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &tooBig):
			writeError(w, http.StatusRequestEntityTooLarge, "body larger than %d bytes", maxBody)
		case errors.Is(err, io.EOF):
			writeError(w, http.StatusBadRequest, "body is empty: send a JSON object")
		case errors.As(err, &syntax), errors.Is(err, io.ErrUnexpectedEOF):
			writeError(w, http.StatusBadRequest, "body is not valid JSON: %v", err)
		case errors.As(err, &typ):
			writeFieldError(w, typ.Field, "field %q must be %s", typ.Field, typ.Type)
		case strings.HasPrefix(err.Error(), "json: unknown field"):
			field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
			writeFieldError(w, field, "unknown field %q", field)
		default:
			writeError(w, http.StatusBadRequest, "bad body: %v", err)
		}
		return false
	}
	if dec.More() {
		writeError(w, http.StatusBadRequest, "body must hold one JSON object")
		return false
	}
	return true
}

type ctxKey struct{}

// UserFrom returns the authenticated staff user of a request.
func UserFrom(ctx context.Context) store.User {
	u, _ := ctx.Value(ctxKey{}).(store.User)
	return u
}

// Authenticate finds the staff user behind a request's bearer token or
// session cookie.
func (a *API) Authenticate(r *http.Request) (store.User, bool) {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		c, err := r.Cookie(SessionCookie)
		if err != nil {
			return store.User{}, false
		}
		token = c.Value
	}
	if token == "" {
		return store.User{}, false
	}
	u, err := a.Store.UserBySession(r.Context(), auth.HashToken(token), a.Now())
	return u, err == nil
}

// staff admits any logged-in staff member.
func (a *API) staff(next http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, ok := a.Authenticate(r)
		if !ok {
			writeError(w, http.StatusUnauthorized, "log in first: POST /api/v1/auth/login, then send Authorization: Bearer <token>")
			return
		}
		next(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, u)))
	})
}

// role admits only staff of one role.
func (a *API) role(role string, next http.HandlerFunc) http.Handler {
	return a.staff(func(w http.ResponseWriter, r *http.Request) {
		if u := UserFrom(r.Context()); u.Role != role {
			writeError(w, http.StatusForbidden, "this needs the %s role; you are %s", role, u.Role)
			return
		}
		next(w, r)
	})
}

// canSee reports whether a user may see a branch's terminals.
func canSee(u store.User, branch string) bool { return u.Branch == "" || u.Branch == branch }

func (a *API) audit(w http.ResponseWriter, r *http.Request) {
	entries, err := a.Store.AuditLog(r.Context(), 200)
	if err != nil {
		a.internal(w, "read audit log", err)
		return
	}
	writeJSON(w, http.StatusOK, nonNil(entries))
}

func (a *API) branches(w http.ResponseWriter, r *http.Request) {
	bs, err := a.Store.Branches(r.Context())
	if err != nil {
		a.internal(w, "list branches", err)
		return
	}
	u := UserFrom(r.Context())
	out := bs[:0]
	for _, b := range bs {
		if canSee(u, b.ID) {
			out = append(out, b)
		}
	}
	writeJSON(w, http.StatusOK, nonNil(out))
}

func (a *API) internal(w http.ResponseWriter, what string, err error) {
	a.Log.Error(what, "err", err)
	writeError(w, http.StatusInternalServerError, "%s failed on the server; see the fleet log", what)
}

func (a *API) auditf(r *http.Request, action, target, detail string) {
	actor := UserFrom(r.Context()).Name
	if err := a.Store.Audit(r.Context(), store.AuditEntry{Actor: actor, Action: action, Target: target, Detail: detail}); err != nil {
		a.Log.Error("write audit", "err", err)
	}
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// WithUser returns ctx carrying an authenticated staff user, for pages
// that call the API's helpers.
func WithUser(ctx context.Context, u store.User) context.Context {
	return context.WithValue(ctx, ctxKey{}, u)
}
