package signage

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"piste/fleet/fault"
	"piste/fleet/protocol"
	"piste/fleet/staff"
	"piste/fleet/store"
)

// PlaylistRequest builds a playlist.
type PlaylistRequest struct {
	Name  string                   `json:"name"`
	Items []protocol.PlaylistEntry `json:"items"`
}

// Playlist is a playlist as editors see it.
type Playlist struct {
	ID    string                   `json:"id"`
	Name  string                   `json:"name"`
	Items []protocol.PlaylistEntry `json:"items"`
}

// CreatePlaylist stores a playlist of items the member may use.
func (s *Service) CreatePlaylist(ctx context.Context, m staff.Member, req PlaylistRequest) (Playlist, error) {
	if err := needEditor(m); err != nil {
		return Playlist{}, err
	}
	name := strings.TrimSpace(req.Name)
	if name == "" || utf8.RuneCountInString(name) > 120 {
		return Playlist{}, fault.Field("name", "name must be 1 to 120 characters")
	}
	if len(req.Items) == 0 || len(req.Items) > 200 {
		return Playlist{}, fault.Field("items", "a playlist has 1 to 200 items")
	}
	for i, e := range req.Items {
		if e.Seconds < 3 || e.Seconds > 3600 {
			return Playlist{}, fault.Field("items", "items[%d].seconds must be from 3 to 3600, got %d", i, e.Seconds)
		}
		if _, err := s.content(ctx, m, e.ContentID); err != nil {
			return Playlist{}, err
		}
	}
	id, err := s.Store.AddSignagePlaylist(ctx, store.SignagePlaylist{Owner: ownerOf(m), Name: name, Items: mustJSON(req.Items),
		CreatedBy: m.Name, CreatedAt: s.Now()})
	if err != nil {
		return Playlist{}, err
	}
	p := Playlist{ID: playlistID(id), Name: name, Items: req.Items}
	return p, s.record(ctx, m, "signage.playlist", p.ID, name)
}

// ListPlaylists returns the playlists a member may use.
func (s *Service) ListPlaylists(ctx context.Context, m staff.Member) ([]Playlist, error) {
	if err := needEditor(m); err != nil {
		return nil, err
	}
	all, err := s.Store.SignagePlaylists(ctx)
	if err != nil {
		return nil, err
	}
	var out []Playlist
	for _, p := range all {
		if visible(m, p.Owner) {
			var items []protocol.PlaylistEntry
			json.Unmarshal([]byte(p.Items), &items)
			out = append(out, Playlist{ID: playlistID(p.ID), Name: p.Name, Items: items})
		}
	}
	return out, nil
}

// ScheduleRequest schedules a playlist to targets. Draft keeps it off the
// screens until it is published.
type ScheduleRequest struct {
	PlaylistID string  `json:"playlist_id"`
	Targets    Targets `json:"targets"`
	Weekdays   []int   `json:"weekdays"`
	From       string  `json:"from"`
	To         string  `json:"to"`
	StartDate  string  `json:"start_date"`
	EndDate    string  `json:"end_date"`
	Priority   int     `json:"priority"`
	Draft      bool    `json:"draft"`
}

// Schedule is a schedule as editors see it.
type Schedule struct {
	ID          string                    `json:"id"`
	Status      string                    `json:"status"`
	Targets     Targets                   `json:"targets"`
	Rule        protocol.ManifestSchedule `json:"rule"`
	PublishedBy string                    `json:"published_by,omitempty"`
	PublishedAt time.Time                 `json:"published_at,omitzero"`
}

// The schedule statuses.
const (
	StatusDraft     = "draft"
	StatusPublished = "published"
)

// CreateSchedule stores a schedule, published unless Draft.
func (s *Service) CreateSchedule(ctx context.Context, m staff.Member, req ScheduleRequest) (Schedule, error) {
	if err := needEditor(m); err != nil {
		return Schedule{}, err
	}
	pid, ok := parseID("p", req.PlaylistID)
	if !ok {
		return Schedule{}, fault.Field("playlist_id", "playlist_id must name a playlist, like p1")
	}
	if !s.playlistVisible(ctx, m, pid) {
		return Schedule{}, fault.NotFound("playlist %q not found", req.PlaylistID)
	}
	rule := protocol.ManifestSchedule{PlaylistID: req.PlaylistID, Weekdays: req.Weekdays, From: req.From, To: req.To,
		StartDate: req.StartDate, EndDate: req.EndDate, Priority: req.Priority}
	if err := rule.Validate(); err != nil {
		return Schedule{}, fault.Field("schedule", "%s", err.Error())
	}
	if err := s.checkTargets(ctx, m, req.Targets); err != nil {
		return Schedule{}, err
	}
	now := s.Now()
	row := store.SignageSchedule{Owner: ownerOf(m), PlaylistID: pid, Targets: mustJSON(req.Targets), Rule: mustJSON(rule),
		Status: StatusDraft, CreatedBy: m.Name, CreatedAt: now}
	if !req.Draft {
		row.Status, row.PublishedBy, row.PublishedAt = StatusPublished, m.Name, now
	}
	id, err := s.Store.AddSignageSchedule(ctx, row)
	if err != nil {
		return Schedule{}, err
	}
	rule.ID = scheduleID(id)
	out := Schedule{ID: rule.ID, Status: row.Status, Targets: req.Targets, Rule: rule, PublishedBy: row.PublishedBy, PublishedAt: row.PublishedAt}
	if err := s.record(ctx, m, "signage.schedule", out.ID, "status="+row.Status+" playlist="+req.PlaylistID+" targets="+row.Targets); err != nil {
		return out, err
	}
	if !req.Draft {
		s.changed()
	}
	return out, nil
}

func (s *Service) playlistVisible(ctx context.Context, m staff.Member, id int64) bool {
	all, err := s.Store.SignagePlaylists(ctx)
	if err != nil {
		return false
	}
	for _, p := range all {
		if p.ID == id {
			return visible(m, p.Owner)
		}
	}
	return false
}

// Publish puts a draft schedule on the screens, recording who and when.
func (s *Service) Publish(ctx context.Context, m staff.Member, id string) error {
	if err := needEditor(m); err != nil {
		return err
	}
	n, ok := parseID("s", id)
	if !ok {
		return fault.NotFound("schedule %q not found", id)
	}
	all, err := s.Store.SignageSchedules(ctx)
	if err != nil {
		return err
	}
	for _, sc := range all {
		if sc.ID != n || !visible(m, sc.Owner) {
			continue
		}
		if sc.Status != StatusDraft {
			return fault.Conflict("schedule %s is already published", id)
		}
		if err := s.Store.PublishSignageSchedule(ctx, n, m.Name, s.Now()); err != nil {
			return err
		}
		s.changed()
		return s.record(ctx, m, "signage.publish", id, "")
	}
	return fault.NotFound("schedule %q not found", id)
}

// ListSchedules returns the schedules a member may see.
func (s *Service) ListSchedules(ctx context.Context, m staff.Member) ([]Schedule, error) {
	if err := needEditor(m); err != nil {
		return nil, err
	}
	all, err := s.Store.SignageSchedules(ctx)
	if err != nil {
		return nil, err
	}
	var out []Schedule
	for _, sc := range all {
		if visible(m, sc.Owner) {
			out = append(out, scheduleView(sc))
		}
	}
	return out, nil
}

func scheduleView(sc store.SignageSchedule) Schedule {
	v := Schedule{ID: scheduleID(sc.ID), Status: sc.Status, PublishedBy: sc.PublishedBy, PublishedAt: sc.PublishedAt}
	json.Unmarshal([]byte(sc.Targets), &v.Targets)
	json.Unmarshal([]byte(sc.Rule), &v.Rule)
	v.Rule.ID = v.ID
	return v
}

// NoticeRequest sends an urgent notice.
type NoticeRequest struct {
	Text      string    `json:"text"`
	Targets   Targets   `json:"targets"`
	ExpiresAt time.Time `json:"expires_at"`
}

// Notice is a notice as editors see it.
type Notice struct {
	ID          string    `json:"id"`
	Text        string    `json:"text"`
	Targets     Targets   `json:"targets"`
	ExpiresAt   time.Time `json:"expires_at"`
	CreatedBy   string    `json:"created_by"`
	WithdrawnAt time.Time `json:"withdrawn_at,omitzero"`
}

// MaxNoticeTTL is the longest a notice may stand.
const MaxNoticeTTL = 14 * 24 * time.Hour

// SendNotice puts an urgent notice on every targeted screen at once.
func (s *Service) SendNotice(ctx context.Context, m staff.Member, req NoticeRequest) (Notice, error) {
	if err := needEditor(m); err != nil {
		return Notice{}, err
	}
	text := strings.TrimSpace(req.Text)
	if text == "" || utf8.RuneCountInString(text) > 280 {
		return Notice{}, fault.Field("text", "text must be 1 to 280 characters")
	}
	now := s.Now()
	if !req.ExpiresAt.After(now) || req.ExpiresAt.Sub(now) > MaxNoticeTTL {
		return Notice{}, fault.Field("expires_at", "expires_at must be in the future and at most 14 days away")
	}
	if err := s.checkTargets(ctx, m, req.Targets); err != nil {
		return Notice{}, err
	}
	id, err := s.Store.AddSignageNotice(ctx, store.SignageNotice{Owner: ownerOf(m), Text: text, Targets: mustJSON(req.Targets),
		ExpiresAt: req.ExpiresAt, CreatedBy: m.Name, CreatedAt: now})
	if err != nil {
		return Notice{}, err
	}
	n := Notice{ID: noticeID(id), Text: text, Targets: req.Targets, ExpiresAt: req.ExpiresAt.UTC(), CreatedBy: m.Name}
	s.changed()
	return n, s.record(ctx, m, "signage.notice", n.ID, "expires="+n.ExpiresAt.Format(time.RFC3339)+" text="+text)
}

// WithdrawNotice ends a notice now.
func (s *Service) WithdrawNotice(ctx context.Context, m staff.Member, id string) error {
	if err := needEditor(m); err != nil {
		return err
	}
	n, ok := parseID("n", id)
	if !ok {
		return fault.NotFound("notice %q not found", id)
	}
	row, err := s.Store.SignageNoticeByID(ctx, n)
	if errors.Is(err, store.ErrNotFound) || err == nil && !visible(m, row.Owner) {
		return fault.NotFound("notice %q not found", id)
	}
	if err != nil {
		return err
	}
	if err := s.Store.WithdrawSignageNotice(ctx, n, s.Now()); errors.Is(err, store.ErrNotFound) {
		return fault.Conflict("notice %s was already withdrawn", id)
	} else if err != nil {
		return err
	}
	s.changed()
	return s.record(ctx, m, "signage.withdraw", id, "")
}

// SetTags sets the screen-group tags of a screen the member sees.
func (s *Service) SetTags(ctx context.Context, m staff.Member, terminalID string, tags []string) error {
	if err := m.Need(staff.RoleAdmin, staff.RoleEditor); err != nil {
		return err
	}
	t, err := s.Store.Terminal(ctx, terminalID)
	if errors.Is(err, store.ErrNotFound) || err == nil && !m.CanSee(t.Branch) {
		return fault.NotFound("terminal %q not found", terminalID)
	}
	if err != nil {
		return err
	}
	if len(tags) > 20 {
		return fault.Field("tags", "at most 20 tags")
	}
	for _, tag := range tags {
		if tag == "" || utf8.RuneCountInString(tag) > 64 {
			return fault.Field("tags", "a tag is 1 to 64 characters")
		}
	}
	if err := s.Store.SetSignageTags(ctx, terminalID, tags); err != nil {
		return err
	}
	s.changed()
	return s.record(ctx, m, "signage.tags", terminalID, strings.Join(tags, ","))
}

// PlayStat is the plays of one item on one screen.
type PlayStat struct {
	Terminal string  `json:"terminal"`
	Content  string  `json:"content_id"`
	Plays    int     `json:"plays"`
	Seconds  float64 `json:"seconds"`
}

// Plays returns play counts in [from, to) on screens the member sees.
func (s *Service) Plays(ctx context.Context, m staff.Member, from, to time.Time) ([]PlayStat, error) {
	if err := needEditor(m); err != nil {
		return nil, err
	}
	if !to.After(from) || to.Sub(from) > 366*24*time.Hour {
		return nil, fault.Field("to", "to must be after from, and at most a year later")
	}
	counts, err := s.Store.SignagePlayCounts(ctx, from, to)
	if err != nil {
		return nil, err
	}
	out := []PlayStat{}
	for _, c := range counts {
		if m.CanSee(c.Branch) {
			out = append(out, PlayStat{Terminal: c.TerminalID, Content: c.ContentID, Plays: c.Plays, Seconds: c.Seconds})
		}
	}
	return out, nil
}

// ActiveNotices returns the notices in force that a member may see.
func (s *Service) ActiveNotices(ctx context.Context, m staff.Member) ([]Notice, error) {
	if err := needEditor(m); err != nil {
		return nil, err
	}
	rows, err := s.Store.ActiveSignageNotices(ctx, s.Now())
	if err != nil {
		return nil, err
	}
	var out []Notice
	for _, n := range rows {
		if !visible(m, n.Owner) {
			continue
		}
		v := Notice{ID: noticeID(n.ID), Text: n.Text, ExpiresAt: n.ExpiresAt.UTC(), CreatedBy: n.CreatedBy}
		json.Unmarshal([]byte(n.Targets), &v.Targets)
		out = append(out, v)
	}
	return out, nil
}
