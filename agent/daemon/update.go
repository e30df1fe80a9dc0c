package daemon

import (
	"encoding/json"
	"net/http"
	"net/url"
	"time"

	"piste/agent/link"
	"piste/agent/localapi"
	"piste/agent/update"
	"piste/fleet/protocol"
)

// newUpdater builds the agent's updater: it installs only releases signed
// with the local config's update_public_key, and only between sessions.
func (d *Daemon) newUpdater(server *url.URL, token string) error {
	u, err := update.New(update.Config{
		StateDir: d.opts.StateDir, PublicKey: d.local.UpdatePublicKey, Running: d.opts.Version,
		Server: server, Token: token, Client: downloadClient(d.cfg.Fingerprint),
		Append: d.appendEvent, Idle: d.idle, Restart: d.requestRestart,
		HealthTimeout: d.opts.UpdateHealthTimeout, Log: d.log,
	})
	d.updater = u
	return err
}

// downloadClient is the fleet's HTTP client without the overall timeout
// of short calls: a release may take minutes on a slow line.
func downloadClient(pin string) *http.Client {
	c := *link.HTTPClient(pin)
	c.Timeout = 0
	return &c
}

// appendEvent adds an event to the outbox and returns its sequence.
func (d *Daemon) appendEvent(kind string, data any) (uint64, error) {
	raw, err := json.Marshal(data)
	if err != nil {
		return 0, err
	}
	seq, err := d.outbox.Append(kind, time.Now(), raw)
	if err == nil {
		d.update(func(s *localapi.Status) { s.OutboxPending = d.outbox.Len() })
	}
	return seq, err
}

// idle reports whether the terminal is between visitor sessions.
func (d *Daemon) idle() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.status.State == localapi.StateIdle
}

func (d *Daemon) requestRestart() {
	select {
	case d.restart <- struct{}{}:
	default:
	}
}

// updateNotice hands an update notice to the updater.
func (d *Daemon) updateNotice(n protocol.Notice) {
	var o protocol.UpdateOffer
	if err := json.Unmarshal(n.Data, &o); err != nil {
		d.log.Warn("update notice ignored", "err", err)
		return
	}
	d.updater.Offer(o)
}
