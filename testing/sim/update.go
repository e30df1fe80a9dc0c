package sim

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"io"
	"net/http"
	"net/url"
	"sync/atomic"
	"time"

	"piste/fleet/protocol"
)

// upgrade asks a terminal's link loop to reconnect as version.
type upgrade struct {
	version string
	done    chan struct{}
}

// updateStats counts what simulated terminals did with update offers.
type updateStats struct {
	bytes    atomic.Int64
	updated  atomic.Int64
	failures atomic.Int64
}

// DownloadedBytes counts release bytes the terminals received.
func (s *Sim) DownloadedBytes() int64 { return s.updates.bytes.Load() }

// Updated counts terminals that installed an update.
func (s *Sim) Updated() int64 { return s.updates.updated.Load() }

// UpdateFailures counts downloads that failed or did not match.
func (s *Sim) UpdateFailures() int64 { return s.updates.failures.Load() }

var downloads = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64, DisableCompression: true}}

func (t *Terminal) notice(server *url.URL, n protocol.Notice) {
	if !t.sim.cfg.Updates || n.Kind != protocol.NoticeUpdate {
		return
	}
	var o protocol.UpdateOffer
	if json.Unmarshal(n.Data, &o) != nil || o.Validate() != nil || o.Rollback || o.Version == t.version {
		return
	}
	if !t.updating.CompareAndSwap(false, true) {
		return
	}
	go func() {
		defer t.updating.Store(false)
		if err := t.update(server, o); err != nil {
			t.sim.updates.failures.Add(1)
			t.event(protocol.EventUpdate, protocol.UpdateReport{RolloutID: o.RolloutID, Version: o.Version,
				Status: protocol.UpdateFailed, Running: t.version, Detail: err.Error()})
		}
	}()
}

// update plays an agent taking a release: download, report, restart as
// the new version, report healthy.
func (t *Terminal) update(server *url.URL, o protocol.UpdateOffer) error {
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, server.JoinPath(o.Path).String(), nil)
	req.Header.Set("Authorization", "Bearer "+t.token)
	resp, err := downloads.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("download: %s", resp.Status)
	}
	var h hash.Hash
	w := io.Discard
	if t.index < t.sim.cfg.HashChecked {
		h = sha256.New()
		w = h
	}
	n, err := io.Copy(w, resp.Body)
	t.sim.updates.bytes.Add(n)
	if err != nil {
		return err
	}
	if n != o.Size || (h != nil && hex.EncodeToString(h.Sum(nil)) != o.SHA256) {
		return fmt.Errorf("download: %d bytes do not match the offer", n)
	}
	report := func(s protocol.UpdateStatus) {
		t.event(protocol.EventUpdate, protocol.UpdateReport{RolloutID: o.RolloutID, Version: o.Version, Status: s, Running: t.version})
	}
	report(protocol.UpdateStaged)
	report(protocol.UpdateInstalling)
	time.Sleep(100 * time.Millisecond) // let the reports go before the "restart"
	up := upgrade{version: o.Version, done: make(chan struct{})}
	t.upgrade <- up
	<-up.done
	report(protocol.UpdateHealthy)
	t.sim.updates.updated.Add(1)
	return nil
}
