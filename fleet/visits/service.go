// Package visits is the fleet's side of visitor sessions: effective
// policies and their distribution to terminals, library-card login over
// SIP2 with quotas, PIN lockouts and closing times, guest passes,
// reservations and the walk-up queue.
package visits

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"time"

	"piste/fleet/protocol"
	"piste/fleet/sip2"
	"piste/fleet/store"
)

// Authenticator asks the library system about a card and PIN; *sip2.Pool is one.
type Authenticator interface {
	Authenticate(ctx context.Context, card, pin string) (sip2.Patron, error)
}

// Link sends frames to connected terminals; *hub.Hub is one.
type Link interface {
	Send(terminalID, typ string, body any) bool
	OnlineIDs() []string
}

// Service holds what visitor sessions need.
type Service struct {
	Store *store.Store
	// Library is nil when no library system is configured: card logins
	// are then refused as service_unavailable.
	Library Authenticator
	Cards   Cards
	Link    Link
	Log     *slog.Logger
	Now     func() time.Time
	// Poll is how often changes made by other processes (the CLI) are
	// looked for. Default 2 s.
	Poll time.Duration
	// Limits bound card checks per terminal and fleet-wide; New sets
	// DefaultCardCheckLimits, the zero value sets none.
	Limits CardCheckLimits
	// Deadline bounds a card login or reservation, library system
	// included; default protocol.VisitorAnswerDeadline, which is shorter
	// than the agent's wait, so the visitor hears service_unavailable.
	Deadline time.Duration

	pins          pinWaits   // pauses after wrong PINs, by card hash
	checks        cardChecks // the Limits' buckets
	mu            sync.Mutex
	layers        layerCache
	notified      map[string]string // terminal -> reservation id last told ("" for none)
	reservationsV int64
}

// New returns a Service; call Run to push policy and reservation changes.
func New(st *store.Store, library Authenticator, cards Cards, link Link, log *slog.Logger) *Service {
	return &Service{Store: st, Library: library, Cards: cards, Link: link, Log: log, Now: time.Now,
		Poll: 2 * time.Second, Limits: DefaultCardCheckLimits, Deadline: protocol.VisitorAnswerDeadline, notified: map[string]string{}, reservationsV: -1}
}

// Run watches for policy and reservation changes until ctx ends: changed
// policies are pushed to every connected terminal, changed reservations
// to the terminals they concern. It also re-checks reservations every
// half minute, since a held slot lapses by the clock alone.
func (s *Service) Run(ctx context.Context) {
	tick := time.NewTicker(s.Poll)
	defer tick.Stop()
	var last time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-tick.C:
			if changed, err := s.reloadPolicies(ctx); err != nil {
				s.warn(ctx, "reload policies", err)
			} else if changed {
				s.pushPolicies(ctx)
			}
			v, err := s.Store.Version(ctx, store.VersionReservations)
			if err != nil {
				s.warn(ctx, "read reservations version", err)
				continue
			}
			if v != s.reservationsVersion() || now.Sub(last) > 30*time.Second {
				s.setReservationsVersion(v)
				last = now
				s.pushReservations(ctx)
			}
		}
	}
}

func (s *Service) warn(ctx context.Context, what string, err error) {
	if ctx.Err() == nil {
		s.Log.Warn(what, "err", err)
	}
}

func (s *Service) reservationsVersion() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reservationsV
}

func (s *Service) setReservationsVersion(v int64) {
	s.mu.Lock()
	s.reservationsV = v
	s.mu.Unlock()
}

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }
