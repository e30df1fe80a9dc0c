// Package httpio is the fleet's HTTP edge shared by the JSON API and the
// web pages: a request id on every answer, domain errors turned into
// statuses in one place, strict JSON bodies, and the staff session cookie.
package httpio

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"piste/fleet/auth"
	"piste/fleet/fault"
)

// RequestIDHeader carries the id a person quotes when something failed.
const RequestIDHeader = "X-Request-Id"

// RequestIDs gives every request an id, set on the answer's X-Request-Id
// header before any handler runs, so a failure logged on the server can be
// found from what the person saw.
func RequestIDs(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set(RequestIDHeader, newID())
		next.ServeHTTP(w, r)
	})
}

// RequestID returns the id RequestIDs gave the answer being written.
func RequestID(w http.ResponseWriter) string { return w.Header().Get(RequestIDHeader) }

func newID() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// statusError is a refusal at the HTTP edge itself (body too large, wrong
// media type) that has its own status.
type statusError struct {
	status int
	msg    string
}

func (e *statusError) Error() string { return e.msg }

// Status is the HTTP status of an error: 400 for bad input, 401, 403, 404
// and 409 for the domain's kinds, 429 for a login limit, 500 for anything
// else.
func Status(err error) int {
	var se *statusError
	var limit *auth.LimitError
	switch {
	case errors.As(err, &se):
		return se.status
	case errors.As(err, &limit):
		return http.StatusTooManyRequests
	case errors.Is(err, fault.ErrUnauthenticated):
		return http.StatusUnauthorized
	case errors.Is(err, fault.ErrForbidden):
		return http.StatusForbidden
	case errors.Is(err, fault.ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, fault.ErrConflict):
		return http.StatusConflict
	}
	if _, ok := fault.AsField(err); ok {
		return http.StatusBadRequest
	}
	return http.StatusInternalServerError
}

// Message is what a person is told about err. An internal failure is
// logged with the request id and told only as "what failed" and that id:
// database and file-system text never reaches a client.
func Message(w http.ResponseWriter, log *slog.Logger, what string, err error) string {
	if Status(err) != http.StatusInternalServerError {
		return err.Error()
	}
	id := RequestID(w)
	if log == nil {
		log = slog.Default()
	}
	log.Error(what, "err", err, "request_id", id)
	return what + " failed on the server; see the fleet log (request id " + id + ")"
}

// Error is the body of every JSON error answer.
type Error struct {
	Error     string `json:"error"`
	Field     string `json:"field,omitempty"`
	RequestID string `json:"request_id,omitempty"`
}

// WriteError answers err as JSON with its status; what names the action
// for the log and for an internal failure's message. A limit's answer
// says in Retry-After when to try again.
func WriteError(w http.ResponseWriter, log *slog.Logger, what string, err error) {
	status := Status(err)
	if limit := (*auth.LimitError)(nil); errors.As(err, &limit) {
		w.Header().Set("Retry-After", strconv.Itoa(limit.Seconds()))
	}
	body := Error{Error: Message(w, log, what, err)}
	if fe, ok := fault.AsField(err); ok {
		body.Field = fe.Field
	}
	if status == http.StatusInternalServerError {
		body.RequestID = RequestID(w)
	}
	WriteJSON(w, status, body)
}

// WriteJSON answers v as JSON.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
