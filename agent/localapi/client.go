package localapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"piste/fleet/protocol"
)

// callTimeout bounds a call whose context has no deadline of its own; a
// login may wait for the library system, so it is generous.
const callTimeout = 45 * time.Second

// Client talks to the agent's local API over its unix socket. Its intent
// methods have the Controller's signatures; refusals come back as *Refusal
// and other error answers as *APIError. It is safe for concurrent use.
type Client struct {
	path string
	hc   *http.Client
	// WatchGrace is how long Watch waits after losing the agent before it
	// reports it unreachable (see ReasonAgentUnreachable).
	WatchGrace time.Duration
}

// NewClient returns a client for the socket at path. It does not connect:
// the agent may start later, and every call dials anew when needed.
func NewClient(path string) *Client {
	tr := &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", path)
		},
		MaxIdleConns:    4,
		IdleConnTimeout: 30 * time.Second,
	}
	return &Client{path: path, hc: &http.Client{Transport: tr}, WatchGrace: 3 * time.Second}
}

// Dial returns a client for the socket at path after checking that an
// agent answers there.
func Dial(ctx context.Context, path string) (*Client, error) {
	if err := checkSocketPath(path); err != nil {
		return nil, err
	}
	c := NewClient(path)
	if _, err := c.Status(ctx); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// Close drops idle connections; calls still work afterwards.
func (c *Client) Close() { c.hc.CloseIdleConnections() }

// Status returns the agent's current status.
func (c *Client) Status(ctx context.Context) (Status, error) {
	var st Status
	err := c.call(ctx, http.MethodGet, "/v1/status", nil, &st)
	return st, err
}

// Login starts a library-card session.
func (c *Client) Login(ctx context.Context, req LoginRequest) error {
	return c.call(ctx, http.MethodPost, "/v1/login", req, nil)
}

// Guest starts a session with a guest pass.
func (c *Client) Guest(ctx context.Context, req GuestRequest) error {
	return c.call(ctx, http.MethodPost, "/v1/guest", req, nil)
}

// Reserve holds this PC for a card's next free slot.
func (c *Client) Reserve(ctx context.Context, req ReserveRequest) error {
	return c.call(ctx, http.MethodPost, "/v1/reserve", req, nil)
}

// Extend asks for more time in the running session.
func (c *Client) Extend(ctx context.Context) error {
	return c.call(ctx, http.MethodPost, "/v1/extend", nil, nil)
}

// StillHere answers an idle warning: the visitor is still here.
func (c *Client) StillHere(ctx context.Context) error {
	return c.call(ctx, http.MethodPost, "/v1/still-here", nil, nil)
}

// End ends the running session.
func (c *Client) End(ctx context.Context) error {
	return c.call(ctx, http.MethodPost, "/v1/end", nil, nil)
}

// SetLanguage switches the language for this visitor.
func (c *Client) SetLanguage(ctx context.Context, req LanguageRequest) error {
	return c.call(ctx, http.MethodPost, "/v1/language", req, nil)
}

// SetAccessibility sets text size and contrast for this visitor.
func (c *Client) SetAccessibility(ctx context.Context, req Accessibility) error {
	return c.call(ctx, http.MethodPost, "/v1/accessibility", req, nil)
}

// RequestHelp asks a volunteer for help.
func (c *Client) RequestHelp(ctx context.Context, req HelpRequest) error {
	return c.call(ctx, http.MethodPost, "/v1/help", req, nil)
}

// CancelHelp withdraws the visitor's help request.
func (c *Client) CancelHelp(ctx context.Context) error {
	return c.call(ctx, http.MethodPost, "/v1/help/cancel", nil, nil)
}

// SayHelp sends the visitor's chat message to the volunteer.
func (c *Client) SayHelp(ctx context.Context, req HelpMessageRequest) error {
	return c.call(ctx, http.MethodPost, "/v1/help/messages", req, nil)
}

// call sends one request and decodes the answer into out (when not nil).
func (c *Client) call(ctx context.Context, method, path string, in, out any) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, callTimeout)
		defer cancel()
	}
	var body io.Reader
	if in != nil {
		data, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("localapi: %s %s: encode request: %w", method, path, err)
		}
		body = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://piste-agent"+path, body)
	if err != nil {
		return fmt.Errorf("localapi: %s %s: %w", method, path, err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return fmt.Errorf("localapi: %s %s on %s (is piste-agent running?): %w", method, path, c.path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 400 {
		return decodeErrorAnswer(resp)
	}
	if out == nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20)) // lets the connection be reused
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("localapi: %s %s: decode answer: %w", method, path, err)
	}
	return nil
}

// decodeErrorAnswer turns an error answer into a *Refusal or an *APIError.
func decodeErrorAnswer(resp *http.Response) error {
	var eb errorBody
	data, _ := io.ReadAll(io.LimitReader(resp.Body, MaxBodyBytes))
	if err := json.Unmarshal(data, &eb); err != nil || eb.Error.Code == "" {
		return &APIError{StatusCode: resp.StatusCode, Code: CodeInternal,
			Message: fmt.Sprintf("unreadable error answer: %.200q", data)}
	}
	if isRefusalStatus(resp.StatusCode) {
		return &Refusal{Code: protocol.RefusalCode(eb.Error.Code), Message: eb.Error.Message, RetryAfterSeconds: eb.Error.RetryAfterSeconds}
	}
	return &APIError{StatusCode: resp.StatusCode, Code: eb.Error.Code, Message: eb.Error.Message}
}

// IsUnreachable reports whether err means the agent did not answer at all
// (not running, socket missing), as opposed to an answer that says no.
func IsUnreachable(err error) bool {
	var ref *Refusal
	var apiErr *APIError
	return err != nil && !errors.As(err, &ref) && !errors.As(err, &apiErr)
}
