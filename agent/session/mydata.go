package session

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"piste/fleet/protocol"
)

// MyData calls the fleet's remembered-settings endpoint for a session:
// GET shows, PUT keeps set, DELETE forgets (protocol.PathAgentMyData).
func (f *HTTPFleet) MyData(ctx context.Context, method, sessionID string, set *protocol.VisitorSettings) (protocol.MyData, error) {
	var d protocol.MyData
	path := strings.Replace(protocol.PathAgentMyData, "{id}", url.PathEscape(sessionID), 1)
	var body io.Reader
	if set != nil {
		raw, err := json.Marshal(set)
		if err != nil {
			return d, fmt.Errorf("session: encode settings: %w", err)
		}
		body = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, f.base.JoinPath(path).String(), body)
	if err != nil {
		return d, fmt.Errorf("session: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+f.token)
	resp, err := f.client.Do(req)
	if err != nil {
		return d, fmt.Errorf("%w: %s", ErrUnreachable, redactURLError(err))
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswerBytes))
	if err != nil {
		return d, fmt.Errorf("%w: read answer to %s: %v", ErrUnreachable, path, err)
	}
	return d, decodeAnswer(path, resp.StatusCode, answer, &d)
}
