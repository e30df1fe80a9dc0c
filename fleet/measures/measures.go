// Package measures counts what the city's digitalisation programme is
// measured by, per month and branch: customer terminals, the self-service
// use of digitally bookable resources (card logins, guest passes,
// reservations), software updates (agent version changes) and the
// digital-support figures; and makes the anonymous open-data export of
// them, where counts under five are suppressed.
package measures

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"piste/fleet/fault"
	"piste/fleet/staff"
	"piste/fleet/store"
)

// Store is the part of the store measures use.
type Store interface {
	MeasureCounts(ctx context.Context, from, to time.Time) (map[string]*store.MonthCounts, error)
}

// Support are a branch's digital-support figures for a month: help
// requests made, and people helped (resolved as solved, partly or
// referred). A branch gave support in the month when Resolved > 0.
type Support struct {
	Requests int64 `json:"requests"`
	Resolved int64 `json:"resolved"`
}

// SupportSource gives the digital-support figures of a month by branch
// (the help queue). A fleet without one leaves the figures empty.
type SupportSource interface {
	SupportFigures(ctx context.Context, from, to time.Time) (map[string]Support, error)
}

// Row is one branch's month.
type Row struct {
	Month           string   `json:"month"`
	Branch          string   `json:"branch"`
	Terminals       int64    `json:"terminals"`
	CardLogins      int64    `json:"card_logins"`
	GuestSessions   int64    `json:"guest_sessions"`
	Reservations    int64    `json:"reservations"`
	SelfService     int64    `json:"self_service"`
	SoftwareUpdates int64    `json:"software_updates"`
	Support         *Support `json:"support"` // nil without a SupportSource
}

// Service computes the measures.
type Service struct {
	Store   Store
	Support SupportSource // nil: no figures yet
	Now     func() time.Time

	mu    sync.Mutex
	cache map[string]cachedMonth // open data by month
}

// New returns a Service.
func New(st Store) *Service { return &Service{Store: st, Now: time.Now} }

// Month reads "YYYY-MM" as the UTC month [from, to); empty is the current
// month. A month after the current one is refused.
func (s *Service) Month(text string) (from, to time.Time, err error) {
	now := s.Now().UTC()
	if text == "" {
		text = now.Format("2006-01")
	}
	from, err = time.Parse("2006-01", text)
	if err != nil {
		return from, from, fault.Field("month", "month must be written YYYY-MM, like 2026-11, got %q", text)
	}
	if from.After(now) {
		return from, from, fault.Field("month", "month %s has not begun", text)
	}
	return from, from.AddDate(0, 1, 0), nil
}

// ForStaff returns the rows of the branches m sees.
func (s *Service) ForStaff(ctx context.Context, m staff.Member, month string) ([]Row, error) {
	if err := m.Need(staff.RoleAdmin); err != nil {
		return nil, err
	}
	rows, err := s.rows(ctx, month)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(rows, func(r Row) bool { return !m.CanSee(r.Branch) }), nil
}

func (s *Service) rows(ctx context.Context, month string) ([]Row, error) {
	from, to, err := s.Month(month)
	if err != nil {
		return nil, err
	}
	counts, err := s.Store.MeasureCounts(ctx, from, to)
	if err != nil {
		return nil, fmt.Errorf("measures: count %s: %w", month, err)
	}
	var support map[string]Support
	if s.Support != nil {
		if support, err = s.Support.SupportFigures(ctx, from, to); err != nil {
			return nil, fmt.Errorf("measures: support figures: %w", err)
		}
	}
	out := make([]Row, 0, len(counts))
	for b, c := range counts {
		r := Row{Month: from.Format("2006-01"), Branch: b, Terminals: c.Terminals,
			CardLogins: c.Sessions["card"], GuestSessions: c.Sessions["guest"], Reservations: c.Reservations,
			SoftwareUpdates: c.SoftwareUpdates}
		r.SelfService = r.CardLogins + r.GuestSessions + r.Reservations
		if s.Support != nil { // a branch the queue has no figures of helped nobody
			sup := support[b]
			r.Support = &sup
		}
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b Row) int {
		if a.Branch < b.Branch {
			return -1
		}
		if a.Branch > b.Branch {
			return 1
		}
		return 0
	})
	return out, nil
}
