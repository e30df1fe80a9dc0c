package protocol

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"time"
)

// Signage travels in notice frames (fleet→screen) and in events
// (screen→fleet). A screen downloads the content a manifest names from
// PathAgentContent with its terminal token.
const (
	// NoticeSignageManifest carries a Manifest: everything a screen plays.
	NoticeSignageManifest = "signage_manifest"
	// NoticeSignageNotices carries UrgentNotices: the notices in force now.
	NoticeSignageNotices = "signage_notices"
	// NoticeSignageLive carries LiveData for the screen's branch.
	NoticeSignageLive = "signage_live"

	// EventSignagePlay is a proof of play (SignagePlay).
	EventSignagePlay = "signage_play"
	// EventSignageStatus reports the manifest active and the notices shown
	// (SignageStatus).
	EventSignageStatus = "signage_status"

	// PathAgentContent is where a screen downloads content by its SHA-256:
	// GET PathAgentContent + hex digest, with Range for resuming.
	PathAgentContent = "/api/v1/agent/content/"
)

// Content kinds.
const (
	ContentImage = "image"
	ContentText  = "text"
	ContentLive  = "live"
)

// Live slide sources.
const (
	LiveFreeComputers = "free_computers"
	LiveOpeningHours  = "opening_hours"
	LiveSupport       = "support"
)

// Manifest is what a screen plays: its content and the schedules of its
// playlists. The screen evaluates the schedules itself by its local clock,
// so it keeps playing while the fleet is unreachable.
type Manifest struct {
	// ID is the digest of everything else (see Digest); equal manifests
	// have equal ids.
	ID         string             `json:"id"`
	Branch     string             `json:"branch"`
	BranchName string             `json:"branch_name"`
	TZ         string             `json:"tz"`
	Items      []ManifestItem     `json:"items"`
	Playlists  []ManifestPlaylist `json:"playlists"`
	Schedules  []ManifestSchedule `json:"schedules"`
}

// ManifestItem is one piece of content.
type ManifestItem struct {
	ID     string     `json:"id"`
	Kind   string     `json:"kind"` // ContentImage, ContentText or ContentLive
	SHA256 string     `json:"sha256"`
	Size   int64      `json:"size,omitempty"` // bytes to download (images)
	Text   *TextSlide `json:"text,omitempty"`
	Live   string     `json:"live,omitempty"` // LiveFreeComputers, ...
}

// TextSlide is a slide of large text. Colours are "#rrggbb" with at least
// 4.5:1 contrast; Image, when set, is the SHA-256 of an image item.
type TextSlide struct {
	Title string `json:"title"`
	Body  string `json:"body,omitempty"`
	Lang  string `json:"lang,omitempty"`
	FG    string `json:"fg"`
	BG    string `json:"bg"`
	Image string `json:"image,omitempty"`
}

// ManifestPlaylist is an ordered list of items, each shown for Seconds.
type ManifestPlaylist struct {
	ID    string          `json:"id"`
	Items []PlaylistEntry `json:"items"`
}

// PlaylistEntry is one step of a playlist.
type PlaylistEntry struct {
	ContentID string `json:"content_id"`
	Seconds   int    `json:"seconds"`
}

// ManifestSchedule says when a playlist plays: on Weekdays (1 = Monday …
// 7 = Sunday; none = every day), daily From to To local time ("HH:MM"; To
// before From crosses midnight, and the part after midnight belongs to the
// day the window opened; both empty = all day), between StartDate and
// EndDate inclusive ("YYYY-MM-DD", either may be empty). The highest
// Priority wins; of equal priorities, the greater ID (the newer schedule).
type ManifestSchedule struct {
	ID         string `json:"id"`
	PlaylistID string `json:"playlist_id"`
	Weekdays   []int  `json:"weekdays,omitempty"`
	From       string `json:"from,omitempty"`
	To         string `json:"to,omitempty"`
	StartDate  string `json:"start_date,omitempty"`
	EndDate    string `json:"end_date,omitempty"`
	Priority   int    `json:"priority"`
}

// UrgentNotices is the set of urgent notices in force for a screen; it
// replaces the set the screen had.
type UrgentNotices struct {
	Notices []UrgentNotice `json:"notices"`
}

// UrgentNotice overrides everything on screen until ExpiresAt.
type UrgentNotice struct {
	ID        string    `json:"id"`
	Text      string    `json:"text"`
	ExpiresAt time.Time `json:"expires_at"`
}

// LiveData is what the fleet knows that live slides show.
type LiveData struct {
	At             time.Time  `json:"at"`
	FreeComputers  int        `json:"free_computers"`
	TotalComputers int        `json:"total_computers"`
	NextFreeAt     *time.Time `json:"next_free_at,omitempty"`
	// Open and Close are today's opening hours ("HH:MM"); Closed says the
	// branch is closed all day; Exception names why today differs.
	Open      string `json:"open,omitempty"`
	Close     string `json:"close,omitempty"`
	Closed    bool   `json:"closed,omitempty"`
	Exception string `json:"exception,omitempty"`
	// SupportHours are today's digital-support hours ("HH:MM–HH:MM");
	// VolunteerOnDuty says whether someone is there now.
	SupportHours    string `json:"support_hours,omitempty"`
	VolunteerOnDuty bool   `json:"volunteer_on_duty"`
}

// SignagePlay is the data of a signage_play event: one item shown.
type SignagePlay struct {
	ContentID string    `json:"content_id"`
	SHA256    string    `json:"sha256"`
	Start     time.Time `json:"start"`
	Seconds   float64   `json:"seconds"`
}

// SignageStatus is the data of a signage_status event.
type SignageStatus struct {
	Manifest string   `json:"manifest"`
	Notices  []string `json:"notices,omitempty"` // ids of the notices on screen
}

var (
	hexDigest = regexp.MustCompile(`^[0-9a-f]{64}$`)
	clockRe   = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$`)
)

// ValidDigest reports whether s is a lower-case hex SHA-256.
func ValidDigest(s string) bool { return hexDigest.MatchString(s) }

// Validate checks a proof of play.
func (p SignagePlay) Validate() error {
	switch {
	case p.ContentID == "" || len(p.ContentID) > 64:
		return fmt.Errorf("content_id must be 1 to 64 characters")
	case p.SHA256 != "" && !ValidDigest(p.SHA256):
		return fmt.Errorf("sha256 must be 64 lower-case hex digits")
	case p.Start.IsZero():
		return fmt.Errorf("start is missing")
	case !(p.Seconds >= 0 && p.Seconds <= 86400):
		return fmt.Errorf("seconds must be from 0 to 86400, got %v", p.Seconds)
	}
	return nil
}

// Validate checks a signage status.
func (s SignageStatus) Validate() error {
	if len(s.Manifest) > 64 {
		return fmt.Errorf("manifest must be at most 64 characters")
	}
	if len(s.Notices) > 100 {
		return fmt.Errorf("at most 100 notices, got %d", len(s.Notices))
	}
	return nil
}

// Digest is the manifest's id: the SHA-256 of its JSON without the id.
func (m Manifest) Digest() string {
	m.ID = ""
	raw, _ := json.Marshal(m)
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:])
}

// Validate checks a manifest as a screen receives it, so a bad one is
// refused whole and the last good one keeps playing.
func (m Manifest) Validate() error {
	if m.ID != m.Digest() {
		return fmt.Errorf("manifest id %q does not match its content", truncate(m.ID))
	}
	if _, err := time.LoadLocation(m.TZ); m.TZ != "" && err != nil {
		return fmt.Errorf("tz %q: %v", m.TZ, err)
	}
	items := map[string]bool{}
	for _, it := range m.Items {
		if it.ID == "" || !ValidDigest(it.SHA256) {
			return fmt.Errorf("item %q needs an id and a sha256", truncate(it.ID))
		}
		if it.Kind != ContentImage && it.Kind != ContentText && it.Kind != ContentLive {
			return fmt.Errorf("item %s: unknown kind %q", it.ID, truncate(it.Kind))
		}
		if it.Size < 0 {
			return fmt.Errorf("item %s: negative size", it.ID)
		}
		items[it.ID] = true
	}
	lists := map[string]bool{}
	for _, p := range m.Playlists {
		for _, e := range p.Items {
			if !items[e.ContentID] || e.Seconds < 1 || e.Seconds > 3600 {
				return fmt.Errorf("playlist %s: entry %q must name an item and last 1 to 3600 seconds", p.ID, truncate(e.ContentID))
			}
		}
		lists[p.ID] = true
	}
	for _, s := range m.Schedules {
		if !lists[s.PlaylistID] {
			return fmt.Errorf("schedule %s: unknown playlist %q", s.ID, truncate(s.PlaylistID))
		}
		if err := s.Validate(); err != nil {
			return fmt.Errorf("schedule %s: %w", s.ID, err)
		}
	}
	return nil
}

// Validate checks a schedule's fields.
func (s ManifestSchedule) Validate() error {
	for _, d := range s.Weekdays {
		if d < 1 || d > 7 {
			return fmt.Errorf("weekdays are 1 (Monday) to 7 (Sunday), got %d", d)
		}
	}
	if (s.From == "") != (s.To == "") {
		return fmt.Errorf("from and to go together (both empty: all day)")
	}
	if s.From != "" {
		if !clockRe.MatchString(s.From) || s.From == "24:00" {
			return fmt.Errorf("from must be HH:MM from 00:00 to 23:59, got %q", truncate(s.From))
		}
		if !clockRe.MatchString(s.To) {
			return fmt.Errorf("to must be HH:MM from 00:00 to 24:00, got %q", truncate(s.To))
		}
		if s.From == s.To {
			return fmt.Errorf("from and to must differ (leave both empty for all day)")
		}
	}
	var start, end time.Time
	var err error
	if s.StartDate != "" {
		if start, err = time.Parse(time.DateOnly, s.StartDate); err != nil {
			return fmt.Errorf("start_date must be YYYY-MM-DD, got %q", truncate(s.StartDate))
		}
	}
	if s.EndDate != "" {
		if end, err = time.Parse(time.DateOnly, s.EndDate); err != nil {
			return fmt.Errorf("end_date must be YYYY-MM-DD, got %q", truncate(s.EndDate))
		}
	}
	if !start.IsZero() && !end.IsZero() && end.Before(start) {
		return fmt.Errorf("end_date %s is before start_date %s", s.EndDate, s.StartDate)
	}
	if s.Priority < 0 || s.Priority > 100 {
		return fmt.Errorf("priority must be from 0 to 100, got %d", s.Priority)
	}
	return nil
}

func clockMinutes(hhmm string) int {
	var h, m int
	fmt.Sscanf(hhmm, "%d:%d", &h, &m)
	return h*60 + m
}

// opensOn reports whether the window may open on the calendar day of t.
func (s ManifestSchedule) opensOn(day time.Time) bool {
	date := day.Format(time.DateOnly)
	if s.StartDate != "" && date < s.StartDate || s.EndDate != "" && date > s.EndDate {
		return false
	}
	if len(s.Weekdays) == 0 {
		return true
	}
	wd := int(day.Weekday())
	if wd == 0 {
		wd = 7
	}
	for _, d := range s.Weekdays {
		if d == wd {
			return true
		}
	}
	return false
}

// ActiveAt reports whether the schedule is in force at local wall time t
// (t already in the screen's location). Wall-clock minutes are compared, so
// a window keeps its local hours across DST changes: on the night the
// clocks go forward the skipped hour simply never comes, and when they go
// back the repeated hour is in the window both times.
func (s ManifestSchedule) ActiveAt(t time.Time) bool {
	if s.From == "" {
		return s.opensOn(t)
	}
	now := t.Hour()*60 + t.Minute()
	from, to := clockMinutes(s.From), clockMinutes(s.To)
	if from < to {
		return now >= from && now < to && s.opensOn(t)
	}
	// Crosses midnight: the evening part opens today, the morning part
	// belongs to the window that opened yesterday.
	if now >= from {
		return s.opensOn(t)
	}
	if now < to {
		y, m, d := t.Date()
		return s.opensOn(time.Date(y, m, d-1, 12, 0, 0, 0, t.Location()))
	}
	return false
}

// Active returns the schedule in force at t in loc, or nil when none is.
func (m Manifest) Active(t time.Time, loc *time.Location) *ManifestSchedule {
	t = t.In(loc)
	var best *ManifestSchedule
	for i := range m.Schedules {
		s := &m.Schedules[i]
		if !s.ActiveAt(t) {
			continue
		}
		if best == nil || s.Priority > best.Priority ||
			s.Priority == best.Priority && idAfter(s.ID, best.ID) {
			best = s
		}
	}
	return best
}

// idAfter orders ids by length, then text, so "s10" follows "s9".
func idAfter(a, b string) bool {
	if len(a) != len(b) {
		return len(a) > len(b)
	}
	return a > b
}

// Playlist returns the playlist with the id, or nil.
func (m Manifest) Playlist(id string) *ManifestPlaylist {
	for i := range m.Playlists {
		if m.Playlists[i].ID == id {
			return &m.Playlists[i]
		}
	}
	return nil
}

// Item returns the item with the id, or nil.
func (m Manifest) Item(id string) *ManifestItem {
	for i := range m.Items {
		if m.Items[i].ID == id {
			return &m.Items[i]
		}
	}
	return nil
}

// Location returns the manifest's time zone, Europe/Helsinki when unset
// or unknown here.
func (m Manifest) Location() *time.Location {
	for _, name := range []string{m.TZ, DefaultSignageTZ} {
		if name == "" {
			continue
		}
		if loc, err := time.LoadLocation(name); err == nil {
			return loc
		}
	}
	return time.UTC
}

// DefaultSignageTZ is the time zone of a screen whose branch names none.
const DefaultSignageTZ = "Europe/Helsinki"
