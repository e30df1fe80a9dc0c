package session

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"piste/agent/localapi"
	"piste/fleet/protocol"
)

// ErrUnreachable means the fleet could not be asked at all: no connection,
// a timeout, or a proxy saying the server is down. Policy session.offline
// decides what a login does then.
var ErrUnreachable = errors.New("session: fleet unreachable")

// Fleet is what the state machine asks of the fleet server. Refusals come
// back as *localapi.Refusal, an unreachable fleet as an error wrapping
// ErrUnreachable.
type Fleet interface {
	Login(ctx context.Context, card, pin string) (protocol.SessionGrant, error)
	Guest(ctx context.Context, code string) (protocol.SessionGrant, error)
	Extend(ctx context.Context, sessionID string) (protocol.Extension, error)
}

// maxAnswerBytes bounds what is read of a fleet answer.
const maxAnswerBytes = 64 << 10

// HTTPFleet asks the fleet over HTTPS with the terminal token as bearer.
type HTTPFleet struct {
	base   *url.URL
	token  string
	client *http.Client
}

// NewHTTPFleet returns a Fleet at base (the fleet's URL, as enrolled).
// client should carry the fleet's TLS settings (link.HTTPClient).
func NewHTTPFleet(base *url.URL, token string, client *http.Client) *HTTPFleet {
	return &HTTPFleet{base: base, token: token, client: client}
}

// Login asks the fleet to check a library card and PIN.
func (f *HTTPFleet) Login(ctx context.Context, card, pin string) (protocol.SessionGrant, error) {
	var g protocol.SessionGrant
	err := f.post(ctx, protocol.PathAgentLogin, protocol.LoginRequest{Card: card, PIN: pin}, &g)
	return g, err
}

// Guest asks the fleet to redeem a guest pass.
func (f *HTTPFleet) Guest(ctx context.Context, code string) (protocol.SessionGrant, error) {
	var g protocol.SessionGrant
	err := f.post(ctx, protocol.PathAgentGuest, protocol.GuestRequest{Code: code}, &g)
	return g, err
}

// Extend asks the fleet for more time for a session.
func (f *HTTPFleet) Extend(ctx context.Context, sessionID string) (protocol.Extension, error) {
	var e protocol.Extension
	path := strings.Replace(protocol.PathAgentExtend, "{id}", url.PathEscape(sessionID), 1)
	err := f.post(ctx, path, struct{}{}, &e)
	return e, err
}

// Reserve asks the fleet to check a library card and PIN and to hold this
// terminal for the card's next free slot of at most minutes (0 for the
// policy's longest session).
func (f *HTTPFleet) Reserve(ctx context.Context, card, pin string, minutes int) (protocol.Reservation, error) {
	var a protocol.ReserveAnswer
	err := f.post(ctx, protocol.PathAgentReserve, protocol.ReserveRequest{Card: card, PIN: pin, Minutes: minutes}, &a)
	return a.Reservation, err
}

func (f *HTTPFleet) post(ctx context.Context, path string, body, out any) error {
	raw, err := json.Marshal(body)
	if err != nil {
		return fmt.Errorf("session: encode request: %w", err)
	}
	u := f.base.JoinPath(path)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(raw))
	if err != nil {
		return fmt.Errorf("session: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+f.token)
	resp, err := f.client.Do(req)
	if err != nil {
		// Never wrap err itself: it holds the URL, never the body, but the
		// PIN must not reach a log through any route.
		return fmt.Errorf("%w: %s", ErrUnreachable, redactURLError(err))
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswerBytes))
	if err != nil {
		return fmt.Errorf("%w: read answer to %s: %v", ErrUnreachable, path, err)
	}
	return decodeAnswer(path, resp.StatusCode, answer, out)
}

func redactURLError(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Op + " " + ue.URL + ": " + ue.Err.Error()
	}
	return err.Error()
}

// decodeAnswer turns the fleet's answer into out or an error a visitor's
// screen can show.
func decodeAnswer(path string, status int, answer []byte, out any) error {
	switch {
	case status >= 200 && status < 300:
		if err := json.Unmarshal(answer, out); err != nil {
			return &localapi.Refusal{Code: localapi.RefusalUnavailable,
				Message: fmt.Sprintf("fleet's answer to %s is not valid JSON: %v", path, err)}
		}
		return nil
	case status == http.StatusBadGateway || status == http.StatusServiceUnavailable || status == http.StatusGatewayTimeout:
		return fmt.Errorf("%w: %s answered HTTP %d", ErrUnreachable, path, status)
	}
	var rb protocol.RefusalBody
	if json.Unmarshal(answer, &rb) == nil && rb.Refusal.Code != "" {
		return &localapi.Refusal{Code: rb.Refusal.Code, Message: rb.Error, RetryAfterSeconds: rb.Refusal.RetryAfterSeconds}
	}
	msg := fmt.Sprintf("fleet answered %s with HTTP %d", path, status)
	switch status {
	case http.StatusUnauthorized:
		msg += ": the terminal token was refused; enroll this terminal again"
	case http.StatusNotFound:
		msg += ": the fleet does not offer visitor sessions; upgrade piste-fleet"
	}
	return &localapi.Refusal{Code: localapi.RefusalUnavailable, Message: msg}
}
