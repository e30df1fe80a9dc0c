package power

import (
	"context"
	"fmt"
	"time"

	"piste/fleet/staff"
	"piste/policies/policy"
)

// Schedule is a branch's power schedule as its policy sets it now.
type Schedule struct {
	Branch                      string             `json:"branch"`
	Name                        string             `json:"name"`
	Enabled                     bool               `json:"enabled"`
	ShutdownAfterClosingMinutes int                `json:"shutdown_after_closing_minutes"`
	WakeBeforeOpeningMinutes    int                `json:"wake_before_opening_minutes"`
	NextOpening                 time.Time          `json:"next_opening,omitzero"`
	Exceptions                  []policy.Exception `json:"exceptions"` // today's and later
	Error                       string             `json:"error,omitempty"`
}

// Schedules lists the power schedules of the branches m sees.
func (s *Service) Schedules(ctx context.Context, m staff.Member) ([]Schedule, error) {
	if err := m.Need(staff.RoleAdmin); err != nil {
		return nil, err
	}
	branches, err := s.Store.Branches(ctx)
	if err != nil {
		return nil, fmt.Errorf("power: branches: %w", err)
	}
	now := s.Now()
	out := []Schedule{}
	for _, b := range branches {
		if !m.CanSee(b.ID) {
			continue
		}
		sc := Schedule{Branch: b.ID, Name: b.Name, Exceptions: []policy.Exception{}}
		p, err := s.branchPolicy(ctx, b.ID)
		if err != nil {
			sc.Error = err.Error()
			out = append(out, sc)
			continue
		}
		sc.Enabled = p.Power.Enabled
		sc.ShutdownAfterClosingMinutes = p.Power.ShutdownAfterClosingMinutes
		sc.WakeBeforeOpeningMinutes = p.Power.WakeBeforeOpeningMinutes
		if next, ok := p.Hours.NextOpening(now); ok {
			sc.NextOpening = next
		}
		today := now.In(p.Hours.Location()).Format(time.DateOnly)
		for _, e := range p.Hours.Exceptions {
			if e.Date.String() >= today {
				sc.Exceptions = append(sc.Exceptions, e)
			}
		}
		out = append(out, sc)
	}
	return out, nil
}
