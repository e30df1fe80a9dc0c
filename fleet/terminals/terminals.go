// Package terminals is what staff do with the fleet's terminals: list and
// look at them and their health, enroll new ones, send commands, revoke,
// and read their alerts and wipe receipts. Every action is scoped to the
// branches the acting member sees and recorded in the audit log.
package terminals

import (
	"context"
	"errors"
	"fmt"
	"time"

	"piste/fleet/audit"
	"piste/fleet/changes"
	"piste/fleet/fault"
	"piste/fleet/protocol"
	"piste/fleet/staff"
	"piste/fleet/store"
)

// Store is the part of the store terminals use.
type Store interface {
	Terminals(ctx context.Context, branch string) ([]store.Terminal, error)
	Terminal(ctx context.Context, id string) (store.Terminal, error)
	HealthHistory(ctx context.Context, id string, since time.Time) ([]store.HealthSample, error)
	RevokeTerminal(ctx context.Context, id string, now time.Time) error
	AddCommand(ctx context.Context, c store.Command) error
	Command(ctx context.Context, id string) (store.Command, error)
	Branch(ctx context.Context, id string) (store.Branch, error)
	AddEnrollCode(ctx context.Context, codeHash, branch string, uses int, expires time.Time) error
	WipeReceipts(ctx context.Context, terminalID string, limit int) ([]store.WipeReceipt, error)
	LastWipes(ctx context.Context) (map[string]store.LastWipe, error)
	OpenAlerts(ctx context.Context) ([]store.Alert, error)
	RejectedEvents(ctx context.Context, terminalID string, limit int) ([]store.RejectedEvent, error)
	SettleRejected(ctx context.Context, terminalID string, at time.Time) (bool, error)
}

// Link tells whether a terminal is connected; *hub.Hub is one.
type Link interface {
	Online(id string) (bool, time.Time)
}

// Service holds what terminal actions need.
type Service struct {
	Store Store
	Link  Link
	Audit *audit.Log
	// Changes hears queued commands and revocations; the hub, subscribed
	// to it, delivers and disconnects.
	Changes changes.Publisher
	Now     func() time.Time
	// DefaultCommandTTL applies when a command names no ttl.
	DefaultCommandTTL time.Duration
}

// New returns a Service with the usual defaults.
func New(st Store, link Link, log *audit.Log) *Service {
	return &Service{Store: st, Link: link, Audit: log, Changes: changes.Discard, Now: time.Now, DefaultCommandTTL: 24 * time.Hour}
}

// Terminal statuses shown to staff.
const (
	StatusOnline       = "online"
	StatusOffline      = "offline"
	StatusInSession    = "in_session"
	StatusOutOfService = "out_of_service"
)

// ValidStatus reports whether s is one of the statuses.
func ValidStatus(s string) bool {
	return s == StatusOnline || s == StatusOffline || s == StatusInSession || s == StatusOutOfService
}

// View is a terminal as staff see it: stored facts and live link state.
type View struct {
	ID           string       `json:"id"`
	Name         string       `json:"name"`
	Branch       string       `json:"branch"`
	Kind         string       `json:"kind"`
	Status       string       `json:"status"`
	State        string       `json:"state"`
	StateReason  string       `json:"state_reason,omitempty"`
	LastSeen     time.Time    `json:"last_seen,omitzero"`
	AgentVersion string       `json:"agent_version"`
	Hostname     string       `json:"hostname,omitempty"`
	OS           string       `json:"os,omitempty"`
	Revoked      bool         `json:"revoked,omitempty"`
	Health       store.Health `json:"health"`
	// LastWipe summarises the newest wipe receipt; absent before the first.
	LastWipe *store.LastWipe `json:"last_wipe,omitempty"`
}

// View combines a stored terminal with its live connection state.
func (s *Service) View(t store.Terminal) View {
	v := View{ID: t.ID, Name: t.Name, Branch: t.Branch, Kind: t.Kind, State: t.State,
		StateReason: t.StateReason, LastSeen: t.LastSeen, AgentVersion: t.AgentVersion,
		Hostname: t.Hostname, OS: t.OS, Revoked: t.Revoked, Health: t.Health}
	online, seen := false, time.Time{}
	if s.Link != nil { // no link: the CLI, working on the data directory
		online, seen = s.Link.Online(t.ID)
	}
	if seen.After(v.LastSeen) {
		v.LastSeen = seen
	}
	v.Status = StatusFor(online, t.State)
	return v
}

// StatusFor derives the staff-facing status from the link and agent state.
func StatusFor(online bool, state string) string {
	switch {
	case !online:
		return StatusOffline
	case protocol.TerminalState(state) == protocol.StateOutOfService:
		return StatusOutOfService
	case protocol.TerminalState(state).InSession():
		return StatusInSession
	default:
		return StatusOnline
	}
}

// List returns the terminals m sees, of one branch ("" for all it sees)
// and one status ("" for any).
func (s *Service) List(ctx context.Context, m staff.Member, branch, status string) ([]View, error) {
	if err := m.Need(staff.RoleAdmin); err != nil {
		return nil, err
	}
	if status != "" && !ValidStatus(status) {
		return nil, fault.Field("status", "status must be online, offline, in_session or out_of_service, got %q", status)
	}
	if branch != "" && !m.CanSee(branch) {
		return nil, nil // a branch outside m's own holds nothing m may see
	}
	if branch == "" {
		branch = m.HomeBranch()
	}
	ts, err := s.Store.Terminals(ctx, branch)
	if err != nil {
		return nil, fmt.Errorf("terminals: list: %w", err)
	}
	wipes, err := s.Store.LastWipes(ctx)
	if err != nil {
		return nil, fmt.Errorf("terminals: last wipes: %w", err)
	}
	out := make([]View, 0, len(ts))
	for _, t := range ts {
		v := s.View(t)
		if lw, ok := wipes[t.ID]; ok {
			v.LastWipe = &lw
		}
		if (status == "" || v.Status == status) && m.CanSee(t.Branch) {
			out = append(out, v)
		}
	}
	return out, nil
}

// Terminal loads a terminal m sees. One of a branch m may not see is not
// found, like one that does not exist: its existence is not told.
func (s *Service) Terminal(ctx context.Context, m staff.Member, id string) (store.Terminal, error) {
	if err := m.Need(staff.RoleAdmin); err != nil {
		return store.Terminal{}, err
	}
	t, err := s.Store.Terminal(ctx, id)
	if errors.Is(err, store.ErrNotFound) || err == nil && !m.CanSee(t.Branch) {
		return store.Terminal{}, fault.NotFound("no terminal %q", id)
	}
	if err != nil {
		return store.Terminal{}, fmt.Errorf("terminals: load %s: %w", id, err)
	}
	return t, nil
}

// Get returns one terminal's view with its last wipe.
func (s *Service) Get(ctx context.Context, m staff.Member, id string) (View, error) {
	t, err := s.Terminal(ctx, m, id)
	if err != nil {
		return View{}, err
	}
	v := s.View(t)
	receipts, err := s.Store.WipeReceipts(ctx, t.ID, 1)
	if err != nil {
		return View{}, fmt.Errorf("terminals: last wipe of %s: %w", t.ID, err)
	}
	if len(receipts) == 1 {
		rc := receipts[0]
		v.LastWipe = &store.LastWipe{Verified: rc.Verified, At: rc.EndedAt, Strategy: string(rc.Strategy), Duration: rc.Duration}
	}
	return v, nil
}

// Changed returns the views of the terminals among ids that m sees, for
// live pages; terminals gone or of other branches are left out.
func (s *Service) Changed(ctx context.Context, m staff.Member, ids []string) []View {
	var rows []View
	for _, id := range ids {
		t, err := s.Store.Terminal(ctx, id)
		if err == nil && m.CanSee(t.Branch) {
			rows = append(rows, s.View(t))
		}
	}
	return rows
}

// Health returns a terminal's health samples since a time.
func (s *Service) Health(ctx context.Context, m staff.Member, id string, since time.Time) ([]store.HealthSample, error) {
	t, err := s.Terminal(ctx, m, id)
	if err != nil {
		return nil, err
	}
	samples, err := s.Store.HealthHistory(ctx, t.ID, since)
	if err != nil {
		return nil, fmt.Errorf("terminals: health of %s: %w", t.ID, err)
	}
	return samples, nil
}

// Revoke cuts a terminal off: its token stops working and its link drops.
func (s *Service) Revoke(ctx context.Context, m staff.Member, id string) (store.Terminal, error) {
	t, err := s.Terminal(ctx, m, id)
	if err != nil {
		return t, err
	}
	if err := s.Store.RevokeTerminal(ctx, t.ID, s.Now()); err != nil {
		return t, fmt.Errorf("terminals: revoke %s: %w", t.ID, err)
	}
	s.Changes.Publish(changes.Change{Kind: changes.TerminalRevoked, Terminal: t.ID, Branch: t.Branch})
	return t, s.Audit.Record(ctx, m.Name, "revoke", t.ID, "")
}
