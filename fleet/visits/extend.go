package visits

import (
	"context"
	"errors"

	"piste/fleet/protocol"
	"piste/fleet/store"
)

// Extend lengthens a running card session by the policy's extend_minutes,
// or less when the quota, closing time or a reservation leaves less.
func (s *Service) Extend(ctx context.Context, t store.Terminal, sessionID string) (protocol.Extension, error) {
	now := s.Now()
	p, err := s.Effective(ctx, t)
	if err != nil {
		return protocol.Extension{}, err
	}
	closing, err := openNow(p, now)
	if err != nil {
		return protocol.Extension{}, err
	}
	live, err := s.Store.LiveReservations(ctx, "", t.ID, now)
	if err != nil {
		return protocol.Extension{}, err
	}
	added, err := s.Store.ExtendSession(ctx, sessionID, func(sess store.VisitorSession, used int) (int, error) {
		switch {
		case sess.TerminalID != t.ID || !sess.EndedAt.IsZero() || !sess.EndsAt.After(now):
			return 0, ErrNoSession
		case protocol.SessionKind(sess.Kind) != protocol.SessionCard:
			return 0, refuse(protocol.RefusalQuotaExhausted, "guest sessions cannot be extended")
		case sess.Extensions >= p.Session.MaxExtensions:
			return 0, refuse(protocol.RefusalQuotaExhausted, "this session has had its %d extensions", p.Session.MaxExtensions)
		}
		left := p.Session.DailyMinutes - used
		if left < 1 {
			return 0, refuse(protocol.RefusalQuotaExhausted, "today's %d minutes are used up", p.Session.DailyMinutes)
		}
		c := caps(p, now, sess.EndsAt, p.Session.ExtendMinutes, closing, live, sess.CardHash)
		if c.minutes < 1 {
			return 0, capRefusal(c)
		}
		return min(c.minutes, left), nil
	})
	if errors.Is(err, store.ErrNotFound) {
		return protocol.Extension{}, ErrNoSession
	}
	return protocol.Extension{Minutes: added}, err
}

// ActiveSessions lists running sessions of a branch (all when empty).
func (s *Service) ActiveSessions(ctx context.Context, branch string) ([]store.VisitorSession, error) {
	return s.Store.ActiveSessions(ctx, branch, s.Now())
}
