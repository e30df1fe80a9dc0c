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

	"piste/fleet/audit"
	"piste/fleet/changes"
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
	Audit   *audit.Log // what staff do at the desk
	Log     *slog.Logger
	Now     func() time.Time
	// Changes is the bus the service announces reservation changes on and
	// hears policy and reservation changes from; set it before Run.
	Changes *changes.Bus
	// Limits bound card checks per terminal and fleet-wide; New sets
	// DefaultCardCheckLimits, the zero value sets none.
	Limits CardCheckLimits
	// Deadline bounds a card login or reservation, library system
	// included; default protocol.VisitorAnswerDeadline, which is shorter
	// than the agent's wait, so the visitor hears service_unavailable.
	Deadline time.Duration

	pins     pinWaits   // pauses after wrong PINs, by card hash
	checks   cardChecks // the Limits' buckets
	mu       sync.Mutex
	layers   layerCache
	notified map[string]string // terminal -> reservation id last told ("" for none)
}

// New returns a Service; call Run to push policy and reservation changes.
func New(st *store.Store, library Authenticator, cards Cards, link Link, log *slog.Logger) *Service {
	return &Service{Store: st, Library: library, Cards: cards, Link: link, Audit: audit.New(st), Log: log, Now: time.Now,
		Changes: &changes.Bus{}, Limits: DefaultCardCheckLimits, Deadline: protocol.VisitorAnswerDeadline, notified: map[string]string{}}
}

// lapseCheck is how often reservations are re-told although nothing was
// published: a held slot lapses by the clock alone.
const lapseCheck = 30 * time.Second

// Run acts on changes until ctx ends: changed policies are pushed to the
// connected terminals of their scope, changed reservations to the
// terminals they concern.
func (s *Service) Run(ctx context.Context) {
	heard := s.Changes.Subscribe(changes.PolicyChanged, changes.ReservationsChanged)
	defer heard.Close()
	tick := time.NewTicker(lapseCheck)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			s.pushReservations(ctx)
		case <-heard.Ready():
			cs, behind := heard.Take()
			s.apply(ctx, cs, behind)
		}
	}
}

// apply acts on a batch of changes; behind means some were lost, so
// every connected terminal is brought up to date.
func (s *Service) apply(ctx context.Context, cs []changes.Change, behind bool) {
	var scopes []string
	for _, c := range cs {
		if c.Kind == changes.PolicyChanged {
			scopes = append(scopes, c.Scope)
		}
	}
	if behind {
		scopes = []string{"fleet"}
	}
	if len(scopes) > 0 {
		s.pushPolicies(ctx, scopes)
	}
	if behind {
		s.pushReservations(ctx)
		return
	}
	for _, c := range cs {
		if c.Kind != changes.ReservationsChanged {
			continue
		}
		if c.Terminal == "" {
			s.pushReservations(ctx)
			return
		}
		s.notifyReservation(ctx, c.Terminal)
	}
}

// reservationsChanged announces that a terminal's reservations changed.
func (s *Service) reservationsChanged(t store.Terminal) {
	s.Changes.Publish(changes.Change{Kind: changes.ReservationsChanged, Terminal: t.ID, Branch: t.Branch})
}

func (s *Service) warn(ctx context.Context, what string, err error) {
	if ctx.Err() == nil {
		s.Log.Warn(what, "err", err)
	}
}

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }
