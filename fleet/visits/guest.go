package visits

import (
	"context"
	"errors"
	"fmt"
	"time"

	"piste/fleet/auth"
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
func GuestPassHash(code string) string { return auth.HashToken("guest:" + auth.NormalizeCode(code)) }

// NewGuestPasses creates a batch of guest passes for a branch and returns
// their codes; only hashes are stored. The CLI and the API share it.
func NewGuestPasses(ctx context.Context, st *store.Store, branch string, count, minutes int, validUntil, now time.Time) ([]string, error) {
	switch {
	case count < 1 || count > 1000:
		return nil, fmt.Errorf("count must be between 1 and 1000, got %d", count)
	case minutes < 1 || minutes > 1440:
		return nil, fmt.Errorf("minutes must be between 1 and 1440, got %d", minutes)
	case !validUntil.After(now):
		return nil, fmt.Errorf("valid_until must be in the future, got %s", validUntil.Format(time.RFC3339))
	}
	if _, err := st.Branch(ctx, branch); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, fmt.Errorf("branch %q does not exist (piste-fleet branch add)", branch)
		}
		return nil, err
	}
	codes := make([]string, count)
	hashes := make([]string, count)
	for i := range codes {
		codes[i] = auth.NewEnrollCode()[:14] // three groups of four: enough entropy, short to type
		hashes[i] = GuestPassHash(codes[i])
	}
	if err := st.AddGuestPasses(ctx, hashes, branch, minutes, validUntil, now); err != nil {
		return nil, err
	}
	return codes, nil
}
