package signage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	_ "image/png" // the player sends PNG
	"io"
	"net/http"
	"net/url"

	"piste/fleet/protocol"
)

type shotWait struct {
	id string
	ch chan []byte
}

// Screenshot asks the player for a picture of what it shows and waits for
// it until ctx ends.
func (a *Agent) Screenshot(ctx context.Context, id string) ([]byte, error) {
	w := &shotWait{id: id, ch: make(chan []byte, 1)}
	a.mu.Lock()
	a.shot = w
	a.status.ScreenshotRequest = id
	a.publish()
	a.mu.Unlock()
	defer func() {
		a.mu.Lock()
		if a.shot == w {
			a.shot = nil
			a.status.ScreenshotRequest = ""
			a.publish()
		}
		a.mu.Unlock()
	}()
	select {
	case png := <-w.ch:
		return png, nil
	case <-ctx.Done():
		return nil, errors.New("signage: no player answered the screenshot request; is the kiosk UI running on this screen?")
	}
}

// Deliver hands the player's PNG to the waiting request.
func (a *Agent) Deliver(id string, png []byte) error {
	cfg, format, err := image.DecodeConfig(bytes.NewReader(png))
	if err != nil || format != "png" || cfg.Width > 8192 || cfg.Height > 8192 {
		return errors.New("signage: a screenshot must be a PNG of at most 8192×8192 pixels")
	}
	a.mu.Lock()
	w := a.shot
	a.mu.Unlock()
	if w == nil || w.id != id {
		return fmt.Errorf("signage: no screenshot %q was asked for", id)
	}
	select {
	case w.ch <- png:
	default:
	}
	return nil
}

// UploadScreenshot sends a screenshot to the fleet for command cmdID.
func (a *Agent) UploadScreenshot(ctx context.Context, cmdID string, png []byte) error {
	f := a.cfg.Fetcher
	if f == nil {
		return errors.New("signage: no fleet to send the screenshot to")
	}
	u := *f.Server
	u.Path = protocol.PathAgentScreenshot
	u.RawQuery = url.Values{"command": {cmdID}}.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(png))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+f.Token)
	req.Header.Set("Content-Type", "image/png")
	resp, err := f.Client.Do(req)
	if err != nil {
		return fmt.Errorf("signage: send screenshot: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("signage: send screenshot: fleet answered %s: %s", resp.Status, msg)
	}
	return nil
}
