package localapi

import (
	"fmt"
	"log/slog"
	"net/http"

	"piste/fleet/protocol"
)

// Error codes of the local API's own (non-refusal) errors.
const (
	CodeBadRequest       = "bad_request"        // the body is not valid JSON for the call
	CodeUnknownField     = "unknown_field"      // the body names a field the call does not have
	CodeBodyTooLarge     = "body_too_large"     // the body is over MaxBodyBytes
	CodeNotFound         = "not_found"          // no such path
	CodeMethodNotAllowed = "method_not_allowed" // e.g. GET on /v1/login
	CodeInternal         = "internal"           // the agent failed; see its log
)

// APIError is an error answer of the local API that is not a refusal:
// a malformed request, or a failure inside the agent.
type APIError struct {
	StatusCode int    `json:"-"`
	Code       string `json:"code"`
	Message    string `json:"message"`
}

func (e *APIError) Error() string {
	return fmt.Sprintf("localapi: %s (HTTP %d): %s", e.Code, e.StatusCode, e.Message)
}

// errorBody is the JSON shape of every error answer.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code              string `json:"code"`
	Message           string `json:"message"`
	RetryAfterSeconds int    `json:"retry_after_seconds,omitempty"`
}

// refusalStatus is the HTTP status a refusal travels with. The client
// turns exactly these statuses back into a *Refusal.
func refusalStatus(code protocol.RefusalCode) int {
	switch code {
	case RefusalLockedOut, RefusalRateLimited:
		return http.StatusTooManyRequests
	case RefusalBusy:
		return http.StatusLocked
	default:
		return http.StatusConflict
	}
}

func isRefusalStatus(status int) bool {
	return status == http.StatusConflict || status == http.StatusLocked || status == http.StatusTooManyRequests
}

// LogValue keeps the PIN out of every structured log line.
func (r LoginRequest) LogValue() slog.Value {
	return slog.GroupValue(slog.String("card", r.Card), slog.String("pin", redact(r.PIN)))
}

// String keeps the PIN out of fmt output such as %v and %+v.
func (r LoginRequest) String() string {
	return fmt.Sprintf("{card:%s pin:%s}", r.Card, redact(r.PIN))
}

// GoString keeps the PIN out of %#v.
func (r LoginRequest) GoString() string { return "localapi.LoginRequest" + r.String() }

func redact(secret string) string {
	if secret == "" {
		return ""
	}
	return "[redacted]"
}
