package signage

import (
	"context"
	"encoding/json"
	"slices"
	"sync"
	"time"

	"piste/fleet/protocol"
	"piste/fleet/store"
)

// Snapshot is everything published, read once and matched to many screens.
type Snapshot struct {
	branches  map[string]store.Branch
	content   map[string]store.SignageContent // by content id
	bySHA     map[string]store.SignageContent
	playlists map[string]store.SignagePlaylist
	schedules []scheduled
	notices   []noticeRow
	tags      map[string][]string

	mu     sync.Mutex
	cached map[string]protocol.Manifest // by terminal id and branch
}

// manifestFor is Manifest, computed once per screen and snapshot.
func (snap *Snapshot) manifestFor(t store.Terminal) protocol.Manifest {
	key := t.ID + "\x00" + t.Branch
	snap.mu.Lock()
	m, ok := snap.cached[key]
	snap.mu.Unlock()
	if ok {
		return m
	}
	m = snap.Manifest(t)
	snap.mu.Lock()
	if snap.cached == nil {
		snap.cached = map[string]protocol.Manifest{}
	}
	snap.cached[key] = m
	snap.mu.Unlock()
	return m
}

type scheduled struct {
	rule    protocol.ManifestSchedule
	targets Targets
	owner   []string
}

type noticeRow struct {
	notice  protocol.UrgentNotice
	targets Targets
	owner   []string
}

// Snapshot reads what is published now.
func (s *Service) Snapshot(ctx context.Context) (*Snapshot, error) {
	snap := &Snapshot{branches: map[string]store.Branch{}, content: map[string]store.SignageContent{},
		bySHA: map[string]store.SignageContent{}, playlists: map[string]store.SignagePlaylist{}}
	bs, err := s.Store.Branches(ctx)
	if err != nil {
		return nil, err
	}
	for _, b := range bs {
		snap.branches[b.ID] = b
	}
	cs, err := s.Store.SignageContentList(ctx)
	if err != nil {
		return nil, err
	}
	for _, c := range cs {
		snap.content[contentID(c.ID)] = c
		snap.bySHA[c.SHA256] = c
	}
	ps, err := s.Store.SignagePlaylists(ctx)
	if err != nil {
		return nil, err
	}
	for _, p := range ps {
		snap.playlists[playlistID(p.ID)] = p
	}
	scs, err := s.Store.SignageSchedules(ctx)
	if err != nil {
		return nil, err
	}
	yesterday := s.Now().AddDate(0, 0, -2).Format(time.DateOnly)
	for _, sc := range scs {
		v := scheduleView(sc)
		if sc.Status != StatusPublished || v.Rule.EndDate != "" && v.Rule.EndDate < yesterday {
			continue
		}
		snap.schedules = append(snap.schedules, scheduled{rule: v.Rule, targets: v.Targets, owner: splitOwner(sc.Owner)})
	}
	ns, err := s.Store.ActiveSignageNotices(ctx, s.Now())
	if err != nil {
		return nil, err
	}
	for _, n := range ns {
		var t Targets
		json.Unmarshal([]byte(n.Targets), &t)
		snap.notices = append(snap.notices, noticeRow{notice: protocol.UrgentNotice{ID: noticeID(n.ID), Text: n.Text, ExpiresAt: n.ExpiresAt.UTC()},
			targets: t, owner: splitOwner(n.Owner)})
	}
	if snap.tags, err = s.Store.SignageTags(ctx); err != nil {
		return nil, err
	}
	return snap, nil
}

// Manifest returns what a screen plays.
func (snap *Snapshot) Manifest(t store.Terminal) protocol.Manifest {
	b := snap.branches[t.Branch]
	m := protocol.Manifest{Branch: t.Branch, BranchName: b.Name, TZ: b.TZ,
		Items: []protocol.ManifestItem{}, Playlists: []protocol.ManifestPlaylist{}, Schedules: []protocol.ManifestSchedule{}}
	if m.TZ == "" {
		m.TZ = protocol.DefaultSignageTZ
	}
	tags := snap.tags[t.ID]
	lists := map[string]bool{}
	items := map[string]bool{}
	addItem := func(c store.SignageContent) {
		it := item(c)
		if items[it.ID] {
			return
		}
		items[it.ID] = true
		m.Items = append(m.Items, it)
	}
	for _, sc := range snap.schedules {
		if !sc.targets.reaches(t, tags, sc.owner) {
			continue
		}
		p, ok := snap.playlists[sc.rule.PlaylistID]
		if !ok {
			continue
		}
		m.Schedules = append(m.Schedules, sc.rule)
		if lists[sc.rule.PlaylistID] {
			continue
		}
		lists[sc.rule.PlaylistID] = true
		var entries []protocol.PlaylistEntry
		json.Unmarshal([]byte(p.Items), &entries)
		var kept []protocol.PlaylistEntry
		for _, e := range entries {
			c, ok := snap.content[e.ContentID]
			if !ok {
				continue
			}
			addItem(c)
			if it := item(c); it.Text != nil && it.Text.Image != "" {
				if img, ok := snap.bySHA[it.Text.Image]; ok {
					addItem(img)
				}
			}
			kept = append(kept, e)
		}
		m.Playlists = append(m.Playlists, protocol.ManifestPlaylist{ID: sc.rule.PlaylistID, Items: kept})
	}
	slices.SortFunc(m.Items, func(a, b protocol.ManifestItem) int { return cmpID(a.ID, b.ID) })
	slices.SortFunc(m.Playlists, func(a, b protocol.ManifestPlaylist) int { return cmpID(a.ID, b.ID) })
	m.ID = m.Digest()
	return m
}

func cmpID(a, b string) int {
	switch {
	case a == b:
		return 0
	case len(a) < len(b) || len(a) == len(b) && a < b:
		return -1
	}
	return 1
}

// Notices returns the notices in force for a screen.
func (snap *Snapshot) Notices(t store.Terminal) protocol.UrgentNotices {
	out := protocol.UrgentNotices{Notices: []protocol.UrgentNotice{}}
	tags := snap.tags[t.ID]
	for _, n := range snap.notices {
		if n.targets.reaches(t, tags, n.owner) {
			out.Notices = append(out.Notices, n.notice)
		}
	}
	return out
}

// Record keeps what a screen reported: a proof of play or its status.
func (s *Service) Record(ctx context.Context, terminalID string, ev protocol.Event) error {
	switch ev.Kind {
	case protocol.EventSignagePlay:
		var p protocol.SignagePlay
		if err := protocol.DecodeData(ev, &p); err != nil {
			return err
		}
		return s.Store.AddSignagePlay(ctx, store.SignagePlay{TerminalID: terminalID, ContentID: p.ContentID, SHA256: p.SHA256,
			Start: p.Start, Seconds: p.Seconds})
	case protocol.EventSignageStatus:
		var st protocol.SignageStatus
		if err := protocol.DecodeData(ev, &st); err != nil {
			return err
		}
		return s.Store.PutSignageScreen(ctx, store.SignageScreen{TerminalID: terminalID, Manifest: st.Manifest,
			Notices: mustJSON(st.Notices), ReportedAt: ev.At})
	}
	return nil
}
