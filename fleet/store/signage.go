package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// SignageContent is one uploaded image or made slide. Data holds the
// slide's JSON for text and live slides.
type SignageContent struct {
	ID        int64
	Owner     string // branches that own it, comma-separated; "" fleet-wide
	Kind      string
	Title     string
	SHA256    string
	Size      int64
	Width     int
	Height    int
	Data      string
	CreatedBy string
	CreatedAt time.Time
}

// AddSignageContent stores content once per owner and digest; the same
// bytes uploaded again return the existing row's id.
func (s *Store) AddSignageContent(ctx context.Context, c SignageContent) (int64, error) {
	var id int64
	err := s.w.QueryRowContext(ctx, `INSERT INTO signage_content (owner, kind, title, sha256, size, width, height, data, created_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (owner, sha256) DO UPDATE SET title = title RETURNING id`,
		c.Owner, c.Kind, c.Title, c.SHA256, c.Size, c.Width, c.Height, c.Data, c.CreatedBy, ms(c.CreatedAt)).Scan(&id)
	return id, err
}

const contentCols = `id, owner, kind, title, sha256, size, width, height, data, created_by, created_at`

func scanContent(sc interface{ Scan(...any) error }) (SignageContent, error) {
	var c SignageContent
	var at int64
	err := sc.Scan(&c.ID, &c.Owner, &c.Kind, &c.Title, &c.SHA256, &c.Size, &c.Width, &c.Height, &c.Data, &c.CreatedBy, &at)
	c.CreatedAt = fromMS(at)
	if errors.Is(err, sql.ErrNoRows) {
		err = ErrNotFound
	}
	return c, err
}

// SignageContentByID returns one item.
func (s *Store) SignageContentByID(ctx context.Context, id int64) (SignageContent, error) {
	return scanContent(s.r.QueryRowContext(ctx, `SELECT `+contentCols+` FROM signage_content WHERE id = ?`, id))
}

// SignageContentList returns every item, newest first.
func (s *Store) SignageContentList(ctx context.Context) ([]SignageContent, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+contentCols+` FROM signage_content ORDER BY id DESC`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []SignageContent
	for rows.Next() {
		c, err := scanContent(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// SignagePlaylist is an ordered list of content; Items is its JSON.
type SignagePlaylist struct {
	ID        int64
	Owner     string
	Name      string
	Items     string
	CreatedBy string
	CreatedAt time.Time
}

// AddSignagePlaylist stores a playlist.
func (s *Store) AddSignagePlaylist(ctx context.Context, p SignagePlaylist) (int64, error) {
	res, err := s.w.ExecContext(ctx, `INSERT INTO signage_playlists (owner, name, items, created_by, created_at) VALUES (?, ?, ?, ?, ?)`,
		p.Owner, p.Name, p.Items, p.CreatedBy, ms(p.CreatedAt))
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

// SignagePlaylists returns every playlist.
func (s *Store) SignagePlaylists(ctx context.Context) ([]SignagePlaylist, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, owner, name, items, created_by, created_at FROM signage_playlists ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []SignagePlaylist
	for rows.Next() {
		var p SignagePlaylist
		var at int64
		if err := rows.Scan(&p.ID, &p.Owner, &p.Name, &p.Items, &p.CreatedBy, &at); err != nil {
			return nil, err
		}
		p.CreatedAt = fromMS(at)
		out = append(out, p)
	}
	return out, rows.Err()
}

// SignageSchedule plays a playlist on its targets by its rule (both JSON).
type SignageSchedule struct {
	ID          int64
	Owner       string
	PlaylistID  int64
	Targets     string
	Rule        string
	Status      string // draft | published
	CreatedBy   string
	CreatedAt   time.Time
	PublishedBy string
	PublishedAt time.Time
}

// AddSignageSchedule stores a schedule.
func (s *Store) AddSignageSchedule(ctx context.Context, sc SignageSchedule) (int64, error) {
	res, err := s.w.ExecContext(ctx, `INSERT INTO signage_schedules (owner, playlist_id, targets, rule, status, created_by, created_at, published_by, published_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, sc.Owner, sc.PlaylistID, sc.Targets, sc.Rule, sc.Status, sc.CreatedBy, ms(sc.CreatedAt),
		sc.PublishedBy, msOrZero(sc.PublishedAt))
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

func msOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return ms(t)
}

// PublishSignageSchedule marks a draft published; ErrNotFound when no
// draft has the id.
func (s *Store) PublishSignageSchedule(ctx context.Context, id int64, by string, at time.Time) error {
	res, err := s.w.ExecContext(ctx, `UPDATE signage_schedules SET status = 'published', published_by = ?, published_at = ?
		WHERE id = ? AND status = 'draft'`, by, ms(at), id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// SignageSchedules returns every schedule.
func (s *Store) SignageSchedules(ctx context.Context) ([]SignageSchedule, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, owner, playlist_id, targets, rule, status, created_by, created_at, published_by, published_at
		FROM signage_schedules ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []SignageSchedule
	for rows.Next() {
		var sc SignageSchedule
		var at, pat int64
		if err := rows.Scan(&sc.ID, &sc.Owner, &sc.PlaylistID, &sc.Targets, &sc.Rule, &sc.Status, &sc.CreatedBy, &at, &sc.PublishedBy, &pat); err != nil {
			return nil, err
		}
		sc.CreatedAt = fromMS(at)
		if pat != 0 {
			sc.PublishedAt = fromMS(pat)
		}
		out = append(out, sc)
	}
	return out, rows.Err()
}

// SignageNotice is an urgent notice.
type SignageNotice struct {
	ID          int64
	Owner       string
	Text        string
	Targets     string
	ExpiresAt   time.Time
	CreatedBy   string
	CreatedAt   time.Time
	WithdrawnAt time.Time
}

// AddSignageNotice stores a notice.
func (s *Store) AddSignageNotice(ctx context.Context, n SignageNotice) (int64, error) {
	res, err := s.w.ExecContext(ctx, `INSERT INTO signage_notices (owner, text, targets, expires_at, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		n.Owner, n.Text, n.Targets, ms(n.ExpiresAt), n.CreatedBy, ms(n.CreatedAt))
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

// WithdrawSignageNotice ends a notice before its expiry.
func (s *Store) WithdrawSignageNotice(ctx context.Context, id int64, at time.Time) error {
	res, err := s.w.ExecContext(ctx, `UPDATE signage_notices SET withdrawn_at = ? WHERE id = ? AND withdrawn_at IS NULL`, ms(at), id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// SignageNoticeByID returns one notice.
func (s *Store) SignageNoticeByID(ctx context.Context, id int64) (SignageNotice, error) {
	ns, err := s.signageNotices(ctx, `WHERE id = ?`, id)
	if err != nil {
		return SignageNotice{}, err
	}
	if len(ns) == 0 {
		return SignageNotice{}, ErrNotFound
	}
	return ns[0], nil
}

// ActiveSignageNotices returns the notices neither withdrawn nor expired at now.
func (s *Store) ActiveSignageNotices(ctx context.Context, now time.Time) ([]SignageNotice, error) {
	return s.signageNotices(ctx, `WHERE withdrawn_at IS NULL AND expires_at > ?`, ms(now))
}

func (s *Store) signageNotices(ctx context.Context, where string, args ...any) ([]SignageNotice, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, owner, text, targets, expires_at, created_by, created_at, withdrawn_at FROM signage_notices `+where+` ORDER BY id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []SignageNotice
	for rows.Next() {
		var n SignageNotice
		var exp, at int64
		var wd sql.NullInt64
		if err := rows.Scan(&n.ID, &n.Owner, &n.Text, &n.Targets, &exp, &n.CreatedBy, &at, &wd); err != nil {
			return nil, err
		}
		n.ExpiresAt, n.CreatedAt = fromMS(exp), fromMS(at)
		if wd.Valid {
			n.WithdrawnAt = fromMS(wd.Int64)
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// SetSignageTags replaces a screen's tags.
func (s *Store) SetSignageTags(ctx context.Context, terminalID string, tags []string) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM signage_tags WHERE terminal_id = ?`, terminalID); err != nil {
		return err
	}
	for _, t := range tags {
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO signage_tags (terminal_id, tag) VALUES (?, ?)`, terminalID, t); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// SignageTags returns every screen's tags.
func (s *Store) SignageTags(ctx context.Context) (map[string][]string, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT terminal_id, tag FROM signage_tags ORDER BY terminal_id, tag`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]string{}
	for rows.Next() {
		var id, tag string
		if err := rows.Scan(&id, &tag); err != nil {
			return nil, err
		}
		out[id] = append(out[id], tag)
	}
	return out, rows.Err()
}

// SignageScreen is what a screen last reported showing.
type SignageScreen struct {
	TerminalID string
	Manifest   string
	Notices    string // JSON list of notice ids
	ReportedAt time.Time
}

// PutSignageScreen records a screen's report.
func (s *Store) PutSignageScreen(ctx context.Context, sc SignageScreen) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO signage_screens (terminal_id, manifest, notices, reported_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (terminal_id) DO UPDATE SET manifest = excluded.manifest, notices = excluded.notices, reported_at = excluded.reported_at`,
		sc.TerminalID, sc.Manifest, sc.Notices, ms(sc.ReportedAt))
	return err
}

// SignageScreens returns every screen's last report.
func (s *Store) SignageScreens(ctx context.Context) ([]SignageScreen, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT terminal_id, manifest, notices, reported_at FROM signage_screens ORDER BY terminal_id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []SignageScreen
	for rows.Next() {
		var sc SignageScreen
		var at int64
		if err := rows.Scan(&sc.TerminalID, &sc.Manifest, &sc.Notices, &at); err != nil {
			return nil, err
		}
		sc.ReportedAt = fromMS(at)
		out = append(out, sc)
	}
	return out, rows.Err()
}

// SignagePlay is one proof of play.
type SignagePlay struct {
	TerminalID string
	ContentID  string
	SHA256     string
	Start      time.Time
	Seconds    float64
}

// AddSignagePlay records a proof of play.
func (s *Store) AddSignagePlay(ctx context.Context, p SignagePlay) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO signage_plays (terminal_id, content_id, sha256, start, seconds) VALUES (?, ?, ?, ?, ?)`,
		p.TerminalID, p.ContentID, p.SHA256, ms(p.Start), p.Seconds)
	return err
}

// PlayCount is the plays of one item on one screen.
type PlayCount struct {
	TerminalID string
	Branch     string
	ContentID  string
	Plays      int
	Seconds    float64
}

// SignagePlayCounts counts plays that started in [from, to).
func (s *Store) SignagePlayCounts(ctx context.Context, from, to time.Time) ([]PlayCount, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT p.terminal_id, t.branch, p.content_id, COUNT(*), SUM(p.seconds)
		FROM signage_plays p JOIN terminals t ON t.id = p.terminal_id
		WHERE p.start >= ? AND p.start < ? GROUP BY p.terminal_id, p.content_id ORDER BY p.terminal_id, p.content_id`, ms(from), ms(to))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []PlayCount
	for rows.Next() {
		var c PlayCount
		if err := rows.Scan(&c.TerminalID, &c.Branch, &c.ContentID, &c.Plays, &c.Seconds); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// VolunteersOnDuty counts volunteers of a branch logged in at now.
func (s *Store) VolunteersOnDuty(ctx context.Context, branch string, now time.Time) (int, error) {
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT COUNT(DISTINCT u.id) FROM staff_sessions ss JOIN users u ON u.id = ss.user_id
		JOIN user_branches ub ON ub.user_id = u.id
		WHERE u.role = 'volunteer' AND ub.branch = ? AND ss.expires_at > ?`, branch, ms(now)).Scan(&n)
	return n, err
}
