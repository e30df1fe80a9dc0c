package localapi

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"piste/fleet/protocol"
)

// Screenshotter is a Controller that takes the player's screenshots.
type Screenshotter interface {
	// TakeScreenshot receives the PNG asked for by request id.
	TakeScreenshot(ctx context.Context, id string, png []byte) error
}

// serveScreenshot takes POST /v1/signage/screenshot?id=ID with a PNG body.
func serveScreenshot(c Controller, w http.ResponseWriter, r *http.Request) {
	s, ok := c.(Screenshotter)
	if !ok {
		writeError(w, &APIError{StatusCode: http.StatusNotFound, Code: CodeNotFound, Message: "this agent takes no screenshots"})
		return
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, protocol.MaxScreenshotBytes+1))
	if err != nil {
		writeError(w, badRequest(CodeBadRequest, "read body: %v", err))
		return
	}
	if len(data) > protocol.MaxScreenshotBytes {
		writeError(w, &APIError{StatusCode: http.StatusRequestEntityTooLarge, Code: CodeBodyTooLarge,
			Message: fmt.Sprintf("screenshot is larger than %d bytes", protocol.MaxScreenshotBytes)})
		return
	}
	if err := s.TakeScreenshot(r.Context(), r.URL.Query().Get("id"), data); err != nil {
		writeError(w, badRequest(CodeBadRequest, "%v", err))
		return
	}
	writeJSON(w, http.StatusOK, c.Status())
}

// SignageScreenshot sends the player's screenshot for request id.
func (c *Client) SignageScreenshot(ctx context.Context, id string, png []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://piste-agent/v1/signage/screenshot?id="+url.QueryEscape(id), bytes.NewReader(png))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "image/png")
	resp, err := c.hc.Do(req)
	if err != nil {
		return fmt.Errorf("localapi: send screenshot: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
		return fmt.Errorf("localapi: send screenshot: %s: %s", resp.Status, msg)
	}
	return nil
}
