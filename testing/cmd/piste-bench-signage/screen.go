package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"piste/fleet/protocol"
	"piste/testing/sim"
)

// screens plays the screen side of signage for simulated terminals: it
// fetches what a manifest names and it lacks, verifies each file's SHA-256
// (keeping digests, not bytes: 500 screens' caches would not fit one
// disk), then reports the manifest active; it acks notices the same way.
type screens struct {
	server string
	client *http.Client
	bytes  atomic.Int64

	mu      sync.Mutex
	state   map[string]*screen
	changed chan struct{}
}

type screen struct {
	have        map[string]bool
	active      string
	activeAt    time.Time
	noticeSeq   map[uint64]string // status event seq → notice set it acks
	noticeAcked map[string]time.Time
	syncing     bool
	pending     *protocol.Manifest
}

func newScreens(server string) *screens {
	return &screens{server: server, state: map[string]*screen{}, changed: make(chan struct{}, 1),
		client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}, Timeout: 10 * time.Minute}}
}

func (s *screens) get(id string) *screen {
	sc := s.state[id]
	if sc == nil {
		sc = &screen{have: map[string]bool{}, noticeSeq: map[uint64]string{}, noticeAcked: map[string]time.Time{}}
		s.state[id] = sc
	}
	return sc
}

func (s *screens) signal() {
	select {
	case s.changed <- struct{}{}:
	default:
	}
}

// onNotice is the simulator's notice hook.
func (s *screens) onNotice(t *sim.Terminal, n protocol.Notice) {
	switch n.Kind {
	case protocol.NoticeSignageManifest:
		var m protocol.Manifest
		if json.Unmarshal(n.Data, &m) != nil || m.Validate() != nil {
			return
		}
		s.mu.Lock()
		sc := s.get(t.ID)
		sc.pending = &m
		start := !sc.syncing
		sc.syncing = true
		s.mu.Unlock()
		if start {
			go s.sync(t)
		}
	case protocol.NoticeSignageNotices:
		var ns protocol.UrgentNotices
		if json.Unmarshal(n.Data, &ns) != nil {
			return
		}
		key := noticeKey(ns)
		s.mu.Lock()
		seq := t.Event(protocol.EventSignageStatus, protocol.SignageStatus{Manifest: s.get(t.ID).active, Notices: ids(ns)})
		s.get(t.ID).noticeSeq[seq] = key
		s.mu.Unlock()
	}
}

// onAck marks the notice sets whose status event the fleet has stored.
func (s *screens) onAck(t *sim.Terminal, upTo uint64) {
	now := time.Now()
	s.mu.Lock()
	sc := s.get(t.ID)
	for seq, key := range sc.noticeSeq {
		if seq <= upTo {
			sc.noticeAcked[key] = now
			delete(sc.noticeSeq, seq)
		}
	}
	s.mu.Unlock()
	s.signal()
}

func ids(ns protocol.UrgentNotices) []string {
	var out []string
	for _, n := range ns.Notices {
		out = append(out, n.ID)
	}
	return out
}

func noticeKey(ns protocol.UrgentNotices) string { return fmt.Sprint(ids(ns)) }

// sync fetches until the newest pending manifest is all here.
func (s *screens) sync(t *sim.Terminal) {
	for {
		s.mu.Lock()
		sc := s.get(t.ID)
		m := sc.pending
		sc.pending = nil
		if m == nil {
			sc.syncing = false
			s.mu.Unlock()
			return
		}
		var want []protocol.ManifestItem
		for _, it := range m.Items {
			if it.Kind == protocol.ContentImage && !sc.have[it.SHA256] {
				want = append(want, it)
			}
		}
		s.mu.Unlock()
		ok := true
		for _, it := range want {
			for attempt := 0; ; attempt++ {
				err := s.fetch(t, it.SHA256)
				if err == nil {
					break
				}
				if attempt == 5 {
					ok = false
					break
				}
				time.Sleep(time.Duration(attempt+1) * 200 * time.Millisecond)
			}
			if !ok {
				break
			}
			s.mu.Lock()
			sc.have[it.SHA256] = true
			s.mu.Unlock()
		}
		if !ok {
			continue
		}
		s.mu.Lock()
		sc.active, sc.activeAt = m.ID, time.Now()
		s.mu.Unlock()
		t.Event(protocol.EventSignageStatus, protocol.SignageStatus{Manifest: m.ID})
		s.signal()
	}
}

func (s *screens) fetch(t *sim.Terminal, sum string) error {
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, s.server+protocol.PathAgentContent+sum, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+t.Token())
	resp, err := s.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("fetch %s: %s", sum[:12], resp.Status)
	}
	h := sha256.New()
	n, err := io.Copy(h, resp.Body)
	s.bytes.Add(n)
	if err != nil {
		return err
	}
	if hex.EncodeToString(h.Sum(nil)) != sum {
		return fmt.Errorf("fetch %s: digest mismatch", sum[:12])
	}
	return nil
}

// waitAll waits until cond holds for every screen, or the timeout.
func (s *screens) waitAll(ids []string, timeout time.Duration, cond func(*screen) bool) error {
	deadline := time.After(timeout)
	for {
		s.mu.Lock()
		n := 0
		for _, id := range ids {
			if cond(s.get(id)) {
				n++
			}
		}
		s.mu.Unlock()
		if n == len(ids) {
			return nil
		}
		select {
		case <-s.changed:
		case <-time.After(200 * time.Millisecond):
		case <-deadline:
			return fmt.Errorf("only %d of %d screens after %v", n, len(ids), timeout)
		}
	}
}
