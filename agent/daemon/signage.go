package daemon

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"path/filepath"
	"time"

	"piste/agent/link"
	"piste/agent/localapi"
	"piste/agent/signage"
	"piste/fleet/protocol"
)

// openSignage starts an info screen's signage: its cache lives in the
// state dir, and what it shows is part of the agent's status.
func (d *Daemon) openSignage(server *url.URL, token string) error {
	if d.cfg.Kind != protocol.KindScreen {
		return nil
	}
	client := &http.Client{Timeout: 10 * time.Minute,
		Transport: &http.Transport{TLSClientConfig: link.TLSConfig(d.cfg.Fingerprint), Proxy: http.ProxyFromEnvironment}}
	sg, err := signage.Open(signage.Config{
		Dir:     filepath.Join(d.opts.StateDir, "signage"),
		Budget:  d.opts.SignageBudget,
		Fetcher: &signage.Fetcher{Server: server, Token: token, Client: client},
		Emit:    d.emit,
		Publish: func(s localapi.Signage) { d.update(func(st *localapi.Status) { st.Signage = &s }) },
		Log:     d.log,
	})
	if err != nil {
		return err
	}
	d.signage = sg
	s := sg.Status()
	d.status.Signage = &s
	return nil
}

// screenshot answers an admin's screenshot command: the player takes the
// picture, the agent sends it to the fleet.
func (d *Daemon) screenshot(cmdID string) error {
	if d.signage == nil {
		return errors.New("this terminal is not an info screen: only screens take screenshots")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	png, err := d.signage.Screenshot(ctx, cmdID)
	if err != nil {
		return err
	}
	return d.signage.UploadScreenshot(ctx, cmdID, png)
}

// TakeScreenshot receives the player's picture (localapi.Screenshotter).
func (d *Daemon) TakeScreenshot(_ context.Context, id string, png []byte) error {
	if d.signage == nil {
		return errors.New("this terminal is not an info screen")
	}
	return d.signage.Deliver(id, png)
}
