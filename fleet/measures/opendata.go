package measures

import (
	"context"
	"encoding/csv"
	"io"
	"strconv"
	"time"
)

// SuppressBelow is the smallest count the open data shows; smaller counts
// could point at a person (one visitor at a small branch) and are left out.
const SuppressBelow = 5

// OpenRow is one branch's month as open data: each count, or nil where it
// was under SuppressBelow. It names the branch and nothing finer.
type OpenRow struct {
	Month           string `json:"month"`
	Branch          string `json:"branch"`
	Terminals       *int64 `json:"terminals"`
	CardLogins      *int64 `json:"card_logins"`
	GuestSessions   *int64 `json:"guest_sessions"`
	Reservations    *int64 `json:"reservations"`
	SelfService     *int64 `json:"self_service"`
	SoftwareUpdates *int64 `json:"software_updates"`
	SupportRequests *int64 `json:"support_requests"`
	SupportResolved *int64 `json:"support_resolved"`
}

// openDataTTL is how long the open data of a month is served from memory:
// anyone may ask for it, and counting a month over a large network takes a
// tenth of a second.
const openDataTTL = time.Minute

type cachedMonth struct {
	at   time.Time
	rows []OpenRow
}

// OpenData returns the month's rows for everyone, counts under five
// suppressed; at most a minute old.
func (s *Service) OpenData(ctx context.Context, month string) ([]OpenRow, error) {
	from, _, err := s.Month(month)
	if err != nil {
		return nil, err
	}
	key, now := from.Format("2006-01"), s.Now()
	s.mu.Lock()
	c, ok := s.cache[key]
	s.mu.Unlock()
	if ok && now.Sub(c.at) < openDataTTL && !now.Before(c.at) {
		return c.rows, nil
	}
	out, err := s.openData(ctx, key)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	if s.cache == nil || len(s.cache) > 100 {
		s.cache = map[string]cachedMonth{}
	}
	s.cache[key] = cachedMonth{at: now, rows: out}
	s.mu.Unlock()
	return out, nil
}

func (s *Service) openData(ctx context.Context, month string) ([]OpenRow, error) {
	rows, err := s.rows(ctx, month)
	if err != nil {
		return nil, err
	}
	out := make([]OpenRow, 0, len(rows))
	for _, r := range rows {
		o := OpenRow{Month: r.Month, Branch: r.Branch, Terminals: shown(r.Terminals), CardLogins: shown(r.CardLogins),
			GuestSessions: shown(r.GuestSessions), Reservations: shown(r.Reservations), SelfService: shown(r.SelfService),
			SoftwareUpdates: shown(r.SoftwareUpdates)}
		if r.Support != nil {
			o.SupportRequests, o.SupportResolved = shown(r.Support.Requests), shown(r.Support.Resolved)
		}
		out = append(out, o)
	}
	return out, nil
}

func shown(n int64) *int64 {
	if n < SuppressBelow {
		return nil
	}
	return &n
}

// CSVHeader names the open data's columns.
var CSVHeader = []string{"month", "branch", "terminals", "card_logins", "guest_sessions", "reservations",
	"self_service", "software_updates", "support_requests", "support_resolved"}

// WriteCSV writes open rows as CSV; a suppressed or missing count is an
// empty cell.
func WriteCSV(w io.Writer, rows []OpenRow) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return err
	}
	for _, r := range rows {
		rec := []string{r.Month, r.Branch}
		for _, n := range []*int64{r.Terminals, r.CardLogins, r.GuestSessions, r.Reservations, r.SelfService,
			r.SoftwareUpdates, r.SupportRequests, r.SupportResolved} {
			cell := ""
			if n != nil {
				cell = strconv.FormatInt(*n, 10)
			}
			rec = append(rec, cell)
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
