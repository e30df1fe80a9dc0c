package signage

import (
	"os"
	"time"

	"piste/agent/localapi"
	"piste/fleet/protocol"
)

// evaluate decides what shows at now and publishes it when it changed.
// Callers hold a.mu.
func (a *Agent) evaluate(now time.Time) {
	before := a.status
	a.status.Notice = a.notice(now)
	if a.status.Notice != nil {
		// A notice overrides everything: the slide under it is not shown,
		// so it is not counted as played.
		a.end(now)
		a.status.NowPlaying = nil
	} else {
		a.advance(now)
	}
	if changed(before, a.status) {
		a.publish()
	}
}

func changed(a, b localapi.Signage) bool {
	switch {
	case (a.Notice == nil) != (b.Notice == nil), a.Notice != nil && *a.Notice != *b.Notice:
		return true
	case (a.NowPlaying == nil) != (b.NowPlaying == nil):
		return true
	case a.NowPlaying != nil && (a.NowPlaying.ContentID != b.NowPlaying.ContentID || !a.NowPlaying.Since.Equal(b.NowPlaying.Since)):
		return true
	}
	return a.Manifest != b.Manifest || a.Pending != b.Pending
}

// notice returns the newest notice not yet expired.
func (a *Agent) notice(now time.Time) *localapi.SignageNotice {
	var best *protocol.UrgentNotice
	for i := range a.notices {
		n := &a.notices[i]
		if !now.Before(n.ExpiresAt) {
			continue
		}
		if best == nil || idAfter(n.ID, best.ID) {
			best = n
		}
	}
	if best == nil {
		return nil
	}
	return &localapi.SignageNotice{ID: best.ID, Text: best.Text, ExpiresAt: best.ExpiresAt}
}

func idAfter(a, b string) bool {
	if len(a) != len(b) {
		return len(a) > len(b)
	}
	return a > b
}

// advance moves the playlist on: a new schedule starts from its first
// item, a finished item gives way to the next playable one.
func (a *Agent) advance(now time.Time) {
	s := a.active.Active(now, a.active.Location())
	var list *protocol.ManifestPlaylist
	if s != nil {
		list = a.active.Playlist(s.PlaylistID)
	}
	if list == nil || len(list.Items) == 0 {
		a.end(now)
		a.status.NowPlaying = nil
		return
	}
	if a.cur != nil && a.cur.schedule == s.ID && a.cur.list == list {
		if now.Sub(a.cur.since) < time.Duration(a.cur.seconds)*time.Second {
			return
		}
		next := (a.cur.index + 1) % len(list.Items)
		a.end(now)
		a.start(now, s.ID, list, next)
		return
	}
	a.end(now)
	a.start(now, s.ID, list, 0)
}

// start shows the first playable item from index on; with none, the
// fallback slide.
func (a *Agent) start(now time.Time, schedule string, list *protocol.ManifestPlaylist, index int) {
	for n := 0; n < len(list.Items); n++ {
		i := (index + n) % len(list.Items)
		e := list.Items[i]
		it := a.active.Item(e.ContentID)
		if it == nil {
			continue
		}
		np, ok := a.showable(*it)
		if !ok {
			continue
		}
		np.Since, np.Seconds = now, e.Seconds
		a.cur = &playing{schedule: schedule, list: list, index: i, item: *it, since: now, seconds: e.Seconds}
		a.status.NowPlaying = np
		return
	}
	a.status.NowPlaying = nil
}

// showable says how an item shows, or that it cannot: an image must be in
// the cache and match its digest (a damaged file is removed and fetched
// again), a live slide needs live data.
func (a *Agent) showable(it protocol.ManifestItem) (*localapi.NowPlaying, bool) {
	np := &localapi.NowPlaying{ContentID: it.ID, SHA256: it.SHA256, Kind: it.Kind, Text: it.Text, Live: it.Live}
	switch it.Kind {
	case protocol.ContentImage:
		path, ok := a.image(it.SHA256)
		if !ok {
			return nil, false
		}
		np.Path = path
	case protocol.ContentText:
		if it.Text == nil {
			return nil, false
		}
		if it.Text.Image != "" {
			np.ImagePath, _ = a.image(it.Text.Image)
		}
	case protocol.ContentLive:
		if a.live == nil {
			return nil, false
		}
		np.LiveData = a.live
	default:
		return nil, false
	}
	return np, true
}

// image returns a verified cached file, checking its digest once per
// modification so that a file damaged at rest never plays.
func (a *Agent) image(sum string) (string, bool) {
	path, ok := a.cache.Path(sum)
	if !ok {
		a.refetch()
		return "", false
	}
	info, err := os.Stat(path)
	if err != nil {
		return "", false
	}
	key := sum + info.ModTime().String()
	if a.verified[key] {
		return path, true
	}
	if !a.cache.Verify(sum) {
		a.cfg.Log.Warn("signage: a cached file was damaged; fetching it again", "sha256", sum)
		a.refetch()
		return "", false
	}
	a.verified[key] = true
	return path, true
}

// refetch queues the active manifest's content again when nothing newer
// is pending. Callers hold a.mu.
func (a *Agent) refetch() {
	if a.target == nil && a.active.ID != "" {
		t := a.active
		a.target = &t
		signal(a.wake)
	}
}

// end closes the item on screen with its proof of play.
func (a *Agent) end(now time.Time) {
	if a.cur == nil {
		return
	}
	secs := now.Sub(a.cur.since).Seconds()
	if secs > 0 {
		a.cfg.Emit(protocol.EventSignagePlay, protocol.SignagePlay{ContentID: a.cur.item.ID, SHA256: a.cur.item.SHA256,
			Start: a.cur.since.UTC(), Seconds: float64(int64(secs*1000)) / 1000})
	}
	a.cur = nil
}
