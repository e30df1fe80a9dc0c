package releases

import (
	"context"
	"errors"
	"sort"

	"piste/fleet/fault"
	"piste/fleet/staff"
	"piste/fleet/store"
)

// RolloutView is a rollout as an admin sees it: its terms, and each of
// the terminals it reaches in the admin's branches with its progress.
type RolloutView struct {
	store.Rollout
	// Targeted counts the terminals the rollout reaches (in the viewer's
	// branches); Counts counts them by status, "pending" for those not
	// yet offered.
	Targeted  int              `json:"targeted"`
	Counts    map[string]int   `json:"counts"`
	Terminals []TerminalUpdate `json:"terminals"`
}

// TerminalUpdate is one terminal's place in a rollout.
type TerminalUpdate struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Branch  string `json:"branch"`
	Version string `json:"version"`
	Status  string `json:"status"`
	Detail  string `json:"detail,omitempty"`
}

// Pending is the status shown for a targeted terminal not yet offered.
const Pending = "pending"

// Rollouts lists the rollouts m sees, newest first, with their progress.
func (s *Service) Rollouts(ctx context.Context, m staff.Member) ([]RolloutView, error) {
	if err := m.Need(staff.RoleAdmin); err != nil {
		return nil, err
	}
	all, err := s.Store.Rollouts(ctx)
	if err != nil {
		return nil, err
	}
	ts, err := s.visibleTerminals(ctx, m)
	if err != nil {
		return nil, err
	}
	out := []RolloutView{}
	for _, r := range all {
		if canView(m, r) {
			v, err := s.view(ctx, r, ts)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
	}
	return out, nil
}

// Rollout returns one rollout with its progress.
func (s *Service) Rollout(ctx context.Context, m staff.Member, id int64) (RolloutView, error) {
	if err := m.Need(staff.RoleAdmin); err != nil {
		return RolloutView{}, err
	}
	r, err := s.Store.Rollout(ctx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !canView(m, r)) {
		return RolloutView{}, fault.NotFound("rollout %d not found", id)
	}
	if err != nil {
		return RolloutView{}, err
	}
	ts, err := s.visibleTerminals(ctx, m)
	if err != nil {
		return RolloutView{}, err
	}
	return s.view(ctx, r, ts)
}

// Versions lists the terminals m sees with the version each runs.
func (s *Service) Versions(ctx context.Context, m staff.Member) ([]TerminalUpdate, error) {
	if err := m.Need(staff.RoleAdmin); err != nil {
		return nil, err
	}
	ts, err := s.visibleTerminals(ctx, m)
	if err != nil {
		return nil, err
	}
	out := make([]TerminalUpdate, 0, len(ts))
	for _, t := range ts {
		out = append(out, TerminalUpdate{ID: t.ID, Name: t.Name, Branch: t.Branch, Version: t.AgentVersion})
	}
	return out, nil
}

func (s *Service) visibleTerminals(ctx context.Context, m staff.Member) ([]store.Terminal, error) {
	all, err := s.Store.Terminals(ctx, "")
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, t := range all {
		if m.CanSee(t.Branch) && !t.Revoked {
			out = append(out, t)
		}
	}
	return out, nil
}

func (s *Service) view(ctx context.Context, r store.Rollout, ts []store.Terminal) (RolloutView, error) {
	rows, err := s.Store.RolloutTerminals(ctx, r.ID)
	if err != nil {
		return RolloutView{}, err
	}
	byTerminal := make(map[string]store.RolloutTerminal, len(rows))
	for _, row := range rows {
		byTerminal[row.TerminalID] = row
	}
	v := RolloutView{Rollout: r, Counts: map[string]int{}, Terminals: []TerminalUpdate{}}
	for _, t := range ts {
		row, have := byTerminal[t.ID]
		if !have && !includes(r, t) {
			continue
		}
		u := TerminalUpdate{ID: t.ID, Name: t.Name, Branch: t.Branch, Version: t.AgentVersion, Status: Pending}
		if have {
			u.Status, u.Detail = row.Status, row.Detail
		}
		v.Targeted++
		v.Counts[u.Status]++
		v.Terminals = append(v.Terminals, u)
	}
	sort.Slice(v.Terminals, func(i, j int) bool {
		a, b := v.Terminals[i], v.Terminals[j]
		if a.Branch != b.Branch {
			return a.Branch < b.Branch
		}
		return a.Name < b.Name
	})
	return v, nil
}
