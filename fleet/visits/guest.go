package visits

import (
	"context"
	"errors"

	"piste/fleet/guestpasses"
	"piste/fleet/protocol"
	"piste/fleet/store"
)

// Guest redeems a guest pass at a terminal. A pass is spent only when a
// session is granted, so a refusal for closing time or a reservation
// leaves it usable.
func (s *Service) Guest(ctx context.Context, t store.Terminal, code string) (protocol.SessionGrant, error) {
	now := s.Now()
	p, err := s.Effective(ctx, t)
	if err != nil {
		return protocol.SessionGrant{}, err
	}
	closing, err := openNow(p, now)
	if err != nil {
		return protocol.SessionGrant{}, err
	}
	live, _, err := s.slotFor(ctx, t.ID, "", now)
	if err != nil {
		return protocol.SessionGrant{}, err
	}
	c := caps(p, now, now, p.Session.MaxMinutes, closing, live, "")
	if c.minutes < 1 {
		return protocol.SessionGrant{}, capRefusal(c)
	}
	minutes, err := s.Store.RedeemGuestPass(ctx, GuestPassHash(code), t.Branch, t.ID, now)
	if errors.Is(err, store.ErrGuestPassInvalid) {
		return protocol.SessionGrant{}, refuse(protocol.RefusalInvalidGuest, "guest pass not valid here: unknown, used, expired or of another branch")
	}
	if err != nil {
		return protocol.SessionGrant{}, err
	}
	if minutes < c.minutes {
		c = limit{minutes: minutes, reason: protocol.RefusalQuotaExhausted}
	}
	return s.grant(ctx, t, p, store.VisitorSession{Kind: string(protocol.SessionGuest)}, now, c)
}

// GuestPassHash is the hash a guest pass code is stored under.
func GuestPassHash(code string) string { return guestpasses.Hash(code) }
