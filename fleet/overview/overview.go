// Package overview is the network at a glance: for each branch a member
// sees, its terminals by status, the day's visitor sessions, hours used
// and utilisation, wipes verified and failed, and the last seven days.
package overview

import (
	"context"
	"fmt"
	"time"

	"piste/fleet/staff"
	"piste/fleet/store"
	"piste/policies/policy"
)

// Store is the part of the store the overview reads.
type Store interface {
	Branches(ctx context.Context) ([]store.Branch, error)
	StatusCounts(ctx context.Context) (map[string]map[string]int, map[string]int, error)
	OpenAlertsByBranch(ctx context.Context, kind string) (map[string]int, error)
	SessionDays(ctx context.Context, since string, now time.Time) ([]store.BranchDay, error)
	WipeCounts(ctx context.Context, branch string, since time.Time) (verified, failed int, err error)
	PolicyLayers(ctx context.Context) (map[string]store.PolicyLayer, error)
}

// Service builds the overview.
type Service struct {
	Store Store
	Now   func() time.Time
}

// New returns a Service over st.
func New(st Store) *Service { return &Service{Store: st, Now: time.Now} }

// Days is how many days the chart shows.
const Days = 7

// Branch is one branch at a glance.
type Branch struct {
	ID, Name string
	// Terminals by the list's status; Online counts every linked one.
	Online, InSession, Free, OutOfService, Offline int
	// OfflineOpen are offline during opening hours (open alerts).
	OfflineOpen int
	Total       int
	// Today's visitor sessions and the hours they used; Utilisation is
	// those hours over the hours the branch's PCs were open so far today
	// (0 when it has not opened).
	Sessions    int
	HoursUsed   float64
	Utilisation float64
	// Today's wipes.
	WipesVerified, WipesFailed int
	// Week is the last seven days' sessions, oldest first, today last.
	Week []Day
}

// Day is one day of the chart.
type Day struct {
	Date     string // YYYY-MM-DD
	Sessions int
}

// Overview returns the branches m sees, by id.
func (s *Service) Overview(ctx context.Context, m staff.Member) ([]Branch, error) {
	if err := m.Need(staff.RoleAdmin); err != nil {
		return nil, err
	}
	now := s.Now()
	branches, err := s.Store.Branches(ctx)
	if err != nil {
		return nil, fmt.Errorf("overview: branches: %w", err)
	}
	counts, pcs, err := s.Store.StatusCounts(ctx)
	if err != nil {
		return nil, fmt.Errorf("overview: counts: %w", err)
	}
	offline, err := s.Store.OpenAlertsByBranch(ctx, "offline_in_opening_hours")
	if err != nil {
		return nil, fmt.Errorf("overview: offline alerts: %w", err)
	}
	// A week and a day back covers every zone's seven days.
	days, err := s.Store.SessionDays(ctx, now.AddDate(0, 0, -Days-1).Format(time.DateOnly), now)
	if err != nil {
		return nil, fmt.Errorf("overview: sessions: %w", err)
	}
	byDay := map[string]map[string]store.BranchDay{}
	for _, d := range days {
		if byDay[d.Branch] == nil {
			byDay[d.Branch] = map[string]store.BranchDay{}
		}
		byDay[d.Branch][d.Day] = d
	}
	hours, err := s.hours(ctx)
	if err != nil {
		return nil, err
	}
	var out []Branch
	for _, b := range branches {
		if !m.CanSee(b.ID) {
			continue
		}
		c := counts[b.ID]
		g := Branch{ID: b.ID, Name: b.Name, InSession: c["in_session"], Free: c["online"], OutOfService: c["out_of_service"],
			Offline: c["offline"], OfflineOpen: offline[b.ID]}
		g.Online = g.InSession + g.Free + g.OutOfService
		g.Total = g.Online + g.Offline
		h := hours(b.ID)
		loc := h.Location()
		local := now.In(loc)
		midnight := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, loc)
		for i := Days - 1; i >= 0; i-- {
			date := midnight.AddDate(0, 0, -i).Format(time.DateOnly)
			g.Week = append(g.Week, Day{Date: date, Sessions: byDay[b.ID][date].Sessions})
		}
		today := byDay[b.ID][midnight.Format(time.DateOnly)]
		g.Sessions, g.HoursUsed = today.Sessions, float64(today.MinutesUsed)/60
		if open := openHours(h, midnight, now); open > 0 && pcs[b.ID] > 0 {
			g.Utilisation = min(1, g.HoursUsed/(open*float64(pcs[b.ID])))
		}
		if g.WipesVerified, g.WipesFailed, err = s.Store.WipeCounts(ctx, b.ID, midnight); err != nil {
			return nil, fmt.Errorf("overview: wipes of %s: %w", b.ID, err)
		}
		out = append(out, g)
	}
	return out, nil
}

// hours returns each branch's opening hours from the policy layers.
func (s *Service) hours(ctx context.Context) (func(branch string) policy.Hours, error) {
	stored, err := s.Store.PolicyLayers(ctx)
	if err != nil {
		return nil, fmt.Errorf("overview: policy layers: %w", err)
	}
	parse := func(scope string) policy.Layer {
		l, _ := policy.Parse([]byte(stored[scope].YAML)) // checked when applied
		return l
	}
	fleet := parse("fleet")
	return func(branch string) policy.Hours {
		return policy.Merge(fleet, parse("branch:"+branch)).Hours
	}, nil
}

// openHours is how long the branch was open from midnight until now,
// sampled every five minutes.
func openHours(h policy.Hours, midnight, now time.Time) float64 {
	const step = 5 * time.Minute
	n := 0
	for t := midnight; t.Before(now); t = t.Add(step) {
		if h.OpenAt(t) {
			n++
		}
	}
	return float64(n) * step.Hours()
}
