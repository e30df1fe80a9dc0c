package localapi

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
)

// route is one call of the local API.
type route struct {
	method string
	serve  func(c Controller, w http.ResponseWriter, r *http.Request)
}

// NewHandler serves c as the local API:
//
//	GET  /v1/status         the current Status
//	GET  /v1/watch          newline-delimited Status, one line per change
//	POST /v1/login          LoginRequest
//	POST /v1/guest          GuestRequest
//	POST /v1/reserve        ReserveRequest
//	POST /v1/extend         (no body)
//	POST /v1/still-here     (no body) the answer to an idle warning
//	POST /v1/end            (no body)
//	POST /v1/language       LanguageRequest
//	POST /v1/accessibility  Accessibility
//	POST /v1/help           HelpRequest
//	POST /v1/help/cancel    (no body)
//	POST /v1/help/messages  HelpMessageRequest
//
// Every error answer is {"error":{"code","message"}}; a *Refusal from c
// keeps its own code and retry_after_seconds. Request bodies are never
// logged, so PINs stay out of logs.
func NewHandler(c Controller) http.Handler {
	routes := map[string]route{
		"/v1/status": {http.MethodGet, serveStatus},
		"/v1/watch":  {http.MethodGet, serveWatch},
		"/v1/login": {http.MethodPost, intent(false, func(ctx context.Context, c Controller, req *LoginRequest) error {
			return c.Login(ctx, *req)
		})},
		"/v1/guest": {http.MethodPost, intent(false, func(ctx context.Context, c Controller, req *GuestRequest) error {
			return c.Guest(ctx, *req)
		})},
		"/v1/reserve": {http.MethodPost, intent(false, func(ctx context.Context, c Controller, req *ReserveRequest) error {
			return c.Reserve(ctx, *req)
		})},
		"/v1/extend": {http.MethodPost, intent(true, func(ctx context.Context, c Controller, _ *struct{}) error {
			return c.Extend(ctx)
		})},
		"/v1/still-here": {http.MethodPost, intent(true, func(ctx context.Context, c Controller, _ *struct{}) error {
			return c.StillHere(ctx)
		})},
		"/v1/end": {http.MethodPost, intent(true, func(ctx context.Context, c Controller, _ *struct{}) error {
			return c.End(ctx)
		})},
		"/v1/language": {http.MethodPost, intent(false, func(ctx context.Context, c Controller, req *LanguageRequest) error {
			return c.SetLanguage(ctx, *req)
		})},
		"/v1/accessibility": {http.MethodPost, intent(false, func(ctx context.Context, c Controller, req *Accessibility) error {
			if err := req.Validate(); err != nil {
				return err
			}
			return c.SetAccessibility(ctx, *req)
		})},
		"/v1/help": {http.MethodPost, intent(true, func(ctx context.Context, c Controller, req *HelpRequest) error {
			return c.RequestHelp(ctx, *req)
		})},
		"/v1/help/cancel": {http.MethodPost, intent(true, func(ctx context.Context, c Controller, _ *struct{}) error {
			return c.CancelHelp(ctx)
		})},
		"/v1/help/messages": {http.MethodPost, intent(false, func(ctx context.Context, c Controller, req *HelpMessageRequest) error {
			return c.SayHelp(ctx, *req)
		})},
		"/v1/signage/screenshot": {http.MethodPost, serveScreenshot},
	}
	for path, rt := range myDataRoutes(c) {
		routes[path] = rt
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rt, ok := routes[r.URL.Path]
		if !ok {
			writeError(w, &APIError{StatusCode: http.StatusNotFound, Code: CodeNotFound,
				Message: "no such call " + strconv.Quote(r.URL.Path) + "; the calls are under /v1/"})
			return
		}
		if r.Method != rt.method {
			w.Header().Set("Allow", rt.method)
			writeError(w, &APIError{StatusCode: http.StatusMethodNotAllowed, Code: CodeMethodNotAllowed,
				Message: r.URL.Path + " takes " + rt.method + ", not " + r.Method})
			return
		}
		rt.serve(c, w, r)
	})
}

// intent decodes a request of type T and passes it to call; allowEmpty
// lets calls without parameters take no body at all.
func intent[T any](allowEmpty bool, call func(context.Context, Controller, *T) error) func(Controller, http.ResponseWriter, *http.Request) {
	return func(c Controller, w http.ResponseWriter, r *http.Request) {
		var req T
		if apiErr := decodeRequest(r.Body, &req, allowEmpty); apiErr != nil {
			writeError(w, apiErr)
			return
		}
		if err := call(r.Context(), c, &req); err != nil {
			writeCallError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, c.Status())
	}
}

func serveStatus(c Controller, w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, c.Status())
}

// serveWatch streams one JSON line per Status until the client leaves or
// the controller closes the channel (the agent is stopping).
func serveWatch(c Controller, w http.ResponseWriter, r *http.Request) {
	flusher, _ := w.(http.Flusher)
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	if flusher != nil {
		flusher.Flush()
	}
	enc := json.NewEncoder(w)
	for st := range c.Watch(r.Context()) {
		if err := enc.Encode(st); err != nil {
			return // the client went away; Watch ends with the request's context
		}
		if flusher != nil {
			flusher.Flush()
		}
	}
}

func writeCallError(w http.ResponseWriter, r *http.Request, err error) {
	var ref *Refusal
	if errors.As(err, &ref) {
		if ref.RetryAfterSeconds > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(ref.RetryAfterSeconds))
		}
		writeJSON(w, refusalStatus(ref.Code), errorBody{Error: errorDetail{
			Code: string(ref.Code), Message: ref.Message, RetryAfterSeconds: ref.RetryAfterSeconds}})
		return
	}
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		writeError(w, apiErr)
		return
	}
	if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
		return // the client hung up; nobody reads the answer
	}
	slog.Error("localapi: call failed", "call", r.URL.Path, "err", err)
	writeError(w, &APIError{StatusCode: http.StatusInternalServerError, Code: CodeInternal, Message: err.Error()})
}

func writeError(w http.ResponseWriter, e *APIError) {
	writeJSON(w, e.StatusCode, errorBody{Error: errorDetail{Code: e.Code, Message: e.Message}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // a write error means the client left
}
