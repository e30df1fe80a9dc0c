package releases

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"strings"
	"time"

	"piste/fleet/changes"
	"piste/fleet/fault"
	"piste/fleet/staff"
	"piste/fleet/store"
	"piste/internal/release"
)

// Rollout statuses.
const (
	RolloutActive     = "active"
	RolloutPaused     = "paused"
	RolloutRolledBack = "rolled_back"
)

// A terminal's status in a rollout.
const (
	TerminalOffered    = "offered"    // told of the release
	TerminalStaged     = "staged"     // downloaded and verified; waits for no session
	TerminalInstalling = "installing" // swapped in and restarting
	TerminalUpdated    = "updated"    // runs the new version and reached the fleet
	TerminalFailed     = "failed"     // refused it, rolled back by itself or never came back
	TerminalReverting  = "reverting"  // told to go back, as the admin asked
	TerminalReverted   = "reverted"   // went back
)

// Defaults of a new rollout.
const (
	DefaultMaxFailurePercent = 20
	DefaultHealthSeconds     = 600
)

// NewRollout is what an admin asks for: a version for a share of some
// branches' terminals (all the branches they see when none are named).
type NewRollout struct {
	Version  string   `json:"version"`
	Branches []string `json:"branches"`
	Percent  int      `json:"percent"`
	// MaxFailurePercent pauses the rollout when a larger share of the
	// terminals that tried the update failed (default 20).
	MaxFailurePercent *int `json:"max_failure_percent,omitempty"`
	// HealthSeconds is how long an updated terminal has to come back
	// healthy before it counts as failed (default 600).
	HealthSeconds int `json:"health_seconds,omitempty"`
}

// Create starts a rollout and offers it to the terminals online now.
func (s *Service) Create(ctx context.Context, m staff.Member, req NewRollout) (store.Rollout, error) {
	var r store.Rollout
	if err := m.Need(staff.RoleAdmin); err != nil {
		return r, err
	}
	if err := s.checkNew(ctx, &req); err != nil {
		return r, err
	}
	branches, err := s.rolloutBranches(ctx, m, req.Branches)
	if err != nil {
		return r, err
	}
	now := s.Now().UTC()
	r = store.Rollout{Version: req.Version, Branches: branches, Percent: req.Percent, MaxFailurePercent: *req.MaxFailurePercent,
		HealthSeconds: req.HealthSeconds, Status: RolloutActive, CreatedBy: m.Name, CreatedAt: now, UpdatedAt: now}
	if r.ID, err = s.Store.AddRollout(ctx, r); err != nil {
		return r, err
	}
	detail := fmt.Sprintf("version %s to %d%% of %s", r.Version, r.Percent, strings.Join(branches, ", "))
	if err := s.Audit.Record(ctx, m.Name, "rollout:start", fmt.Sprint(r.ID), detail); err != nil {
		return r, err
	}
	s.changed(r.ID, "")
	return r, s.Push(ctx)
}

func (s *Service) checkNew(ctx context.Context, req *NewRollout) error {
	if _, err := release.ParseVersion(req.Version); err != nil {
		return fault.Field("version", "%v", err)
	}
	if req.Percent < 1 || req.Percent > 100 {
		return fault.Field("percent", "percent must be between 1 and 100, got %d", req.Percent)
	}
	if req.MaxFailurePercent == nil {
		d := DefaultMaxFailurePercent
		req.MaxFailurePercent = &d
	}
	if *req.MaxFailurePercent < 0 || *req.MaxFailurePercent > 100 {
		return fault.Field("max_failure_percent", "max_failure_percent must be between 0 and 100, got %d", *req.MaxFailurePercent)
	}
	if req.HealthSeconds == 0 {
		req.HealthSeconds = DefaultHealthSeconds
	}
	if req.HealthSeconds < 5 || req.HealthSeconds > 86400 {
		return fault.Field("health_seconds", "health_seconds must be between 5 and 86400, got %d", req.HealthSeconds)
	}
	rels, err := s.Store.Releases(ctx)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(rels, func(r store.Release) bool { return r.Version == req.Version }) {
		return fault.Field("version", "no release %s has been added: upload it first (POST /api/v1/releases)", req.Version)
	}
	return nil
}

// rolloutBranches checks the named branches against what m sees; none
// named means every branch m sees.
func (s *Service) rolloutBranches(ctx context.Context, m staff.Member, named []string) ([]string, error) {
	if len(named) == 0 {
		all, err := s.Store.Branches(ctx)
		if err != nil {
			return nil, err
		}
		for _, b := range all {
			if m.CanSee(b.ID) {
				named = append(named, b.ID)
			}
		}
		if len(named) == 0 {
			return nil, fault.Field("branches", "there are no branches to roll out to")
		}
		return named, nil
	}
	out := []string{}
	for i, b := range named {
		if !m.CanSee(b) {
			return nil, fault.NotFound("branch %q not found", b)
		}
		if _, err := s.Store.Branch(ctx, b); errors.Is(err, store.ErrNotFound) {
			return nil, fault.Field(fmt.Sprintf("branches[%d]", i), "branch %q not found", b)
		} else if err != nil {
			return nil, err
		}
		if !slices.Contains(out, b) {
			out = append(out, b)
		}
	}
	return out, nil
}

// canAct reports whether m may steer r: it must see every branch of it.
func canAct(m staff.Member, r store.Rollout) bool {
	for _, b := range r.Branches {
		if !m.CanSee(b) {
			return false
		}
	}
	return true
}

// canView reports whether m sees any branch of r.
func canView(m staff.Member, r store.Rollout) bool {
	return slices.ContainsFunc(r.Branches, m.CanSee)
}

func (s *Service) steer(ctx context.Context, m staff.Member, id int64) (store.Rollout, error) {
	if err := m.Need(staff.RoleAdmin); err != nil {
		return store.Rollout{}, err
	}
	r, err := s.Store.Rollout(ctx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !canView(m, r)) {
		return r, fault.NotFound("rollout %d not found", id)
	}
	if err != nil {
		return r, err
	}
	if !canAct(m, r) {
		return r, fault.Forbidden("rollout %d reaches branches you do not administer", id)
	}
	return r, nil
}

// Pause stops offering a rollout to more terminals.
func (s *Service) Pause(ctx context.Context, m staff.Member, id int64) error {
	return s.move(ctx, m, id, RolloutPaused, "paused by "+m.Name, RolloutActive)
}

// Resume offers a paused rollout again.
func (s *Service) Resume(ctx context.Context, m staff.Member, id int64) error {
	return s.move(ctx, m, id, RolloutActive, "", RolloutPaused)
}

// Rollback ends a rollout and sends every terminal it updated (or was
// updating) back to the version it ran before; other rollouts of the same
// version end with it, so nothing offers it again.
func (s *Service) Rollback(ctx context.Context, m staff.Member, id int64) error {
	r, err := s.steer(ctx, m, id)
	if err != nil {
		return err
	}
	if err := s.move(ctx, m, id, RolloutRolledBack, "rolled back by "+m.Name, RolloutActive, RolloutPaused); err != nil {
		return err
	}
	all, err := s.Store.Rollouts(ctx)
	if err != nil {
		return err
	}
	for _, o := range all {
		if o.ID != id && o.Version == r.Version && o.Status != RolloutRolledBack && canAct(m, o) {
			if _, err := s.Store.SetRolloutStatus(ctx, o.ID, RolloutRolledBack, fmt.Sprintf("rolled back with rollout %d", id), s.Now()); err != nil {
				return err
			}
			s.changed(o.ID, "")
		}
	}
	return s.Push(ctx)
}

func (s *Service) move(ctx context.Context, m staff.Member, id int64, to, reason string, from ...string) error {
	if _, err := s.steer(ctx, m, id); err != nil {
		return err
	}
	moved, err := s.Store.SetRolloutStatus(ctx, id, to, reason, s.Now(), from...)
	if err != nil {
		return err
	}
	if !moved {
		return fault.Conflict("rollout %d is not %s", id, strings.Join(from, " or "))
	}
	if err := s.Audit.Record(ctx, m.Name, "rollout:"+to, fmt.Sprint(id), reason); err != nil {
		return err
	}
	s.changed(id, "")
	if to == RolloutActive {
		return s.Push(ctx)
	}
	return nil
}

func (s *Service) changed(id int64, terminal string) {
	s.Changes.Publish(changes.Change{Kind: changes.RolloutChanged, Scope: fmt.Sprintf("rollout:%d", id), Terminal: terminal})
}

// bucket places a terminal in 0..99 for percentages: the same for every
// rollout, so that raising a version's percent in a later wave keeps the
// terminals of the earlier ones.
func bucket(terminalID string) int {
	h := fnv.New32a()
	h.Write([]byte(terminalID))
	return int(h.Sum32() % 100)
}

// includes reports whether a rollout targets a terminal.
func includes(r store.Rollout, t store.Terminal) bool {
	return slices.Contains(r.Branches, t.Branch) && bucket(t.ID) < r.Percent
}

// waitFor is how long after now a terminal of r may still come back.
func waitFor(r store.Rollout) time.Duration { return time.Duration(r.HealthSeconds) * time.Second }

// CanSteer reports whether m may pause, resume or roll back r.
func (s *Service) CanSteer(m staff.Member, r store.Rollout) bool {
	return m.Need(staff.RoleAdmin) == nil && canAct(m, r)
}
