// Package alerts is what tells admins a terminal needs them: the rules
// that open and close alerts by themselves (offline during opening hours,
// disk full, agent behind the current release, clock skew; a failed wipe
// is opened at ingest), listing them within a member's branches,
// acknowledging them, and telling each branch's contact.
package alerts

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"piste/fleet/audit"
	"piste/fleet/changes"
	"piste/fleet/fault"
	"piste/fleet/staff"
	"piste/fleet/store"
)

// The alert kinds.
const (
	KindOffline       = "offline_in_opening_hours"
	KindDiskFull      = "disk_full"
	KindWipeFailed    = store.AlertWipeFailed
	KindVersionBehind = "version_behind"
	KindClockSkew     = "clock_skew"
)

// ruleKinds are the kinds the rules here open and close; the others are
// opened and closed where their cause is stored.
var ruleKinds = []string{KindOffline, KindDiskFull, KindVersionBehind, KindClockSkew}

// Store is the part of the store alerts use.
type Store interface {
	RuleTerminals(ctx context.Context) ([]store.Terminal, error)
	PolicyLayers(ctx context.Context) (map[string]store.PolicyLayer, error)
	AgentVersions(ctx context.Context) (map[string]int, error)
	SyncAlerts(ctx context.Context, kinds []string, want map[store.AlertKey]string, at time.Time) (opened, closed []store.Alert, err error)
	OpenAlertsIn(ctx context.Context, branches []string) ([]store.OpenAlert, error)
	OpenAlertByID(ctx context.Context, id int64) (store.OpenAlert, error)
	AckAlert(ctx context.Context, id int64, by string, at time.Time) error
	UnnotifiedAlerts(ctx context.Context, limit int) ([]store.OpenAlert, error)
	MarkNotified(ctx context.Context, ids []int64, at time.Time) error
	AlertsVersion(ctx context.Context) (string, error)
	CountOpenAlertsByKind(ctx context.Context) (map[string]int, error)
}

// Link tells whether a terminal is connected; *hub.Hub is one.
type Link interface {
	Online(id string) (bool, time.Time)
}

// Service runs the rules and serves the alerts to staff.
type Service struct {
	Store Store
	Link  Link
	Audit *audit.Log
	// Changes hears AlertsChanged whenever the open alerts change.
	Changes changes.Publisher
	Now     func() time.Time
	// Releases says which agent version is current; nil: the newest
	// version any terminal runs.
	Releases Releases
	// Rollouts, when set, compares each terminal with the newest release
	// rolled out to it instead (falling back to the above without releases).
	Rollouts Rollouts
	// Notifier tells branch contacts of new alerts; nil tells nobody.
	Notifier *Notifier
	Metrics  *Metrics

	mu      sync.Mutex
	skewed  map[string]time.Time // terminal → when its clock was first seen off
	version string               // AlertsVersion at the last look
}

// New returns a Service over st.
func New(st Store, link Link, log *audit.Log) *Service {
	return &Service{Store: st, Link: link, Audit: log, Changes: changes.Discard, Now: time.Now,
		skewed: map[string]time.Time{}}
}

// View is an open alert as staff see it.
type View struct {
	ID         int64     `json:"id"`
	Kind       string    `json:"kind"`
	TerminalID string    `json:"terminal_id"`
	Branch     string    `json:"branch"`
	OpenedAt   time.Time `json:"opened_at"`
	Detail     string    `json:"detail"`
	AckedBy    string    `json:"acked_by"`
	AckedAt    time.Time `json:"acked_at,omitzero"`
	// Terminal and At repeat TerminalID and OpenedAt under the names the
	// first version of the API used.
	Terminal string    `json:"terminal"`
	At       time.Time `json:"at"`
}

func viewOf(a store.OpenAlert) View {
	return View{ID: a.ID, Kind: a.Kind, TerminalID: a.TerminalID, Branch: a.Branch, OpenedAt: a.At,
		Detail: a.Detail, AckedBy: a.AckedBy, AckedAt: a.AckedAt, Terminal: a.TerminalID, At: a.At}
}

// scope is the branches m sees, nil for all.
func scope(m staff.Member) []string {
	if m.FleetWide() {
		return nil
	}
	return slices.Clone(m.Branches)
}

// List returns the open alerts of the terminals m sees, newest first.
func (s *Service) List(ctx context.Context, m staff.Member) ([]View, error) {
	if err := m.Need(staff.RoleAdmin); err != nil {
		return nil, err
	}
	list, err := s.Store.OpenAlertsIn(ctx, scope(m))
	if err != nil {
		return nil, fmt.Errorf("alerts: list open: %w", err)
	}
	out := make([]View, 0, len(list))
	for _, a := range list {
		out = append(out, viewOf(a))
	}
	return out, nil
}

// Ack records that m has seen an alert and is on it. The alert stays open
// until its cause goes away; an alert of another branch is not found.
func (s *Service) Ack(ctx context.Context, m staff.Member, idText string) (View, error) {
	if err := m.Need(staff.RoleAdmin); err != nil {
		return View{}, err
	}
	id, err := strconv.ParseInt(idText, 10, 64)
	if err != nil || id <= 0 {
		return View{}, fault.NotFound("no open alert %q", idText)
	}
	a, err := s.Store.OpenAlertByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) || err == nil && !m.CanSee(a.Branch) {
		return View{}, fault.NotFound("no open alert %q", idText)
	}
	if err != nil {
		return View{}, fmt.Errorf("alerts: load %d: %w", id, err)
	}
	if a.AckedBy != "" {
		return View{}, fault.Conflict("alert %d was acknowledged by %s already", id, a.AckedBy)
	}
	now := s.Now()
	err = s.Store.AckAlert(ctx, id, m.Name, now)
	if errors.Is(err, store.ErrNotFound) {
		return View{}, fault.Conflict("alert %d closed or was acknowledged meanwhile", id)
	}
	if err != nil {
		return View{}, fmt.Errorf("alerts: acknowledge %d: %w", id, err)
	}
	if err := s.Audit.Record(ctx, m.Name, "alert-ack", "terminal:"+a.TerminalID, fmt.Sprintf("%s alert %d", a.Kind, id)); err != nil {
		return View{}, err
	}
	a.AckedBy, a.AckedAt = m.Name, now
	s.Changes.Publish(changes.Change{Kind: changes.AlertsChanged, Branch: a.Branch, Terminal: a.TerminalID})
	return viewOf(a), nil
}

// Watch publishes AlertsChanged when the open alerts changed since the
// last look, by whoever changed them (the rules, an ack, a wipe receipt at
// ingest, another process on the same database).
func (s *Service) Watch(ctx context.Context) error {
	v, err := s.Store.AlertsVersion(ctx)
	if err != nil {
		return fmt.Errorf("alerts: look for changes: %w", err)
	}
	s.mu.Lock()
	moved := v != s.version
	s.version = v
	s.mu.Unlock()
	if moved {
		s.Changes.Publish(changes.Change{Kind: changes.AlertsChanged})
	}
	return nil
}
