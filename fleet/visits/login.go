package visits

import (
	"context"
	"errors"
	"fmt"
	"time"

	"piste/fleet/auth"
	"piste/fleet/protocol"
	"piste/fleet/sip2"
	"piste/fleet/store"
	"piste/policies/policy"
)

// Login checks a library card and PIN for a terminal and grants a session
// of as many minutes as the policy, the card's daily quota, the branch's
// closing time and the terminal's reservations allow. The PIN goes to the
// library system only. It answers within the Service's Deadline, and
// refuses as rate_limited beyond its Limits.
func (s *Service) Login(ctx context.Context, t store.Terminal, card, pin string) (protocol.SessionGrant, error) {
	ctx, cancel := s.answerBy(ctx)
	defer cancel()
	g, err := s.login(ctx, t, card, pin)
	return g, s.inTime(ctx, "card login", err)
}

func (s *Service) login(ctx context.Context, t store.Terminal, card, pin string) (protocol.SessionGrant, error) {
	now := s.Now()
	if err := s.admitCardCheck(t.ID, now); err != nil {
		return protocol.SessionGrant{}, err
	}
	p, err := s.Effective(ctx, t)
	if err != nil {
		return protocol.SessionGrant{}, err
	}
	closing, err := openNow(p, now)
	if err != nil {
		return protocol.SessionGrant{}, err
	}
	hash := s.Cards.Hash(card)
	if until, err := s.Store.PINLock(ctx, hash, now); err != nil {
		return protocol.SessionGrant{}, err
	} else if !until.IsZero() {
		return protocol.SessionGrant{}, lockedOut(until, now)
	}
	live, mine, err := s.slotFor(ctx, t.ID, hash, now)
	if err != nil {
		return protocol.SessionGrant{}, err
	}
	if err := s.checkCard(ctx, p, hash, card, pin, now); err != nil {
		return protocol.SessionGrant{}, err
	}
	c := caps(p, now, now, p.Session.MaxMinutes, closing, live, hash)
	grant, err := s.grant(ctx, t, p, store.VisitorSession{Kind: string(protocol.SessionCard), CardHash: hash}, now, c)
	if err != nil {
		return grant, err
	}
	grant.CardHint = Hint(card)
	if mine != "" {
		if err := s.Store.ClaimReservation(ctx, mine, now); err != nil {
			s.Log.Warn("claim reservation", "reservation", mine, "err", err)
		}
		s.reservationsChanged(t)
	}
	return grant, nil
}

// openNow refuses when the branch is closed and returns when it closes
// (zero when it does not within the look-ahead).
func openNow(p policy.Policy, now time.Time) (time.Time, error) {
	if len(p.Hours.Weekly) == 0 && len(p.Hours.Exceptions) == 0 {
		// Open round the clock: spare each login a year's look-ahead.
		return time.Time{}, nil
	}
	closing, open := p.Hours.ClosingAfter(now)
	if !open {
		return time.Time{}, refuse(protocol.RefusalClosed, "the library is closed now")
	}
	return closing, nil
}

func lockedOut(until, now time.Time) *Refusal {
	r := refuse(protocol.RefusalLockedOut, "too many wrong tries for this card; try again after %s", until.Format(time.RFC3339))
	r.RetryAfter = until.Sub(now)
	return r
}

// slotFor returns the terminal's live reservations, refusing when one of
// them holds the terminal now for another card; mine is the id of the one
// held for this card.
func (s *Service) slotFor(ctx context.Context, terminalID, hash string, now time.Time) ([]store.Reservation, string, error) {
	live, err := s.Store.LiveReservations(ctx, "", terminalID, now)
	if err != nil {
		return nil, "", err
	}
	for _, r := range live {
		if r.StartsAt.After(now) {
			continue
		}
		if hash == "" || r.CardHash != hash {
			return nil, "", refuse(protocol.RefusalReserved, "this computer is reserved until %s", r.HoldUntil.Format(time.RFC3339))
		}
		return live, r.ID, nil
	}
	return live, "", nil
}

// checkCard asks the library system and applies the PIN pauses and
// lockout. A card in its pause is refused before the library is asked.
func (s *Service) checkCard(ctx context.Context, p policy.Policy, hash, card, pin string, now time.Time) error {
	if s.Library == nil {
		return refuse(protocol.RefusalUnavailable, "no library system is configured on this fleet (serve --sip2)")
	}
	if wait, ok := s.pins.begin(hash, now); !ok {
		return slowedDown(wait)
	}
	patron, err := s.Library.Authenticate(ctx, card, pin)
	if err == nil {
		err = sip2.Decide(patron, float64(p.Session.FeeLimit)/100)
	}
	if errors.Is(err, sip2.ErrWrongPIN) || errors.Is(err, sip2.ErrUnknownPatron) {
		// One answer for both, slowed and locked alike, so that trying
		// card numbers does not tell which exist. Only the log knows.
		s.Log.Debug("card check refused", "unknown_card", errors.Is(err, sip2.ErrUnknownPatron))
		return s.wrongCardOrPIN(ctx, p, hash, now)
	}
	s.pins.done(hash, err == nil)
	switch {
	case err == nil:
		return s.Store.PINSucceeded(ctx, hash)
	case errors.Is(err, sip2.ErrBlocked):
		return refuse(protocol.RefusalBlocked, "the library card is blocked")
	case errors.Is(err, sip2.ErrFeesOverLimit):
		return refuse(protocol.RefusalFees, "fees over the limit of %s", p.Session.FeeLimit)
	case errors.Is(err, sip2.ErrUnavailable), errors.Is(err, sip2.ErrPoolClosed):
		s.Log.Warn("library system unavailable", "err", err)
		return refuse(protocol.RefusalUnavailable, "the library system does not answer; try again soon")
	}
	return fmt.Errorf("visits: check card: %w", err)
}

// wrongCardOrPIN counts a wrong PIN or an unknown card (by the hash of
// the number typed): it locks the card at the policy's pin_attempts, and
// before that starts the card's next pause, which the refusal carries so
// the kiosk can say how long to wait.
func (s *Service) wrongCardOrPIN(ctx context.Context, p policy.Policy, hash string, now time.Time) error {
	lock := time.Duration(p.Session.PINLockoutMinutes) * time.Minute
	until, err := s.Store.PINFailed(ctx, hash, p.Session.PINAttempts, lock, now)
	if err != nil {
		s.pins.done(hash, false)
		return err
	}
	if !until.IsZero() {
		s.pins.locked(hash)
		return lockedOut(until, now)
	}
	r := refuse(protocol.RefusalWrongCardOrPIN, "card number or PIN is wrong")
	r.RetryAfter = s.pins.failed(hash, lock, now)
	return r
}

// slowedDown refuses a try during a card's pause after wrong PINs.
func slowedDown(wait time.Duration) *Refusal {
	r := refuse(protocol.RefusalLockedOut, "too many wrong tries for this card; try again in %d seconds",
		int((wait+time.Second-1)/time.Second))
	r.RetryAfter = wait
	return r
}

// limit is how long a session may run from some moment, and what limits it.
type limit struct {
	minutes   int
	reason    protocol.RefusalCode // refusal code when minutes < 1
	atClosing bool
}

// caps bounds a session (or an extension) starting at from by the branch's
// closing time and the terminal's next reservation by another card.
func caps(p policy.Policy, now, from time.Time, want int, closing time.Time, live []store.Reservation, hash string) limit {
	l := limit{minutes: want, reason: protocol.RefusalQuotaExhausted}
	if !closing.IsZero() {
		end := closing.Add(-time.Duration(p.Session.EndBeforeClosingMinutes) * time.Minute)
		if m := minutesBetween(from, end); m <= l.minutes {
			l = limit{minutes: m, reason: protocol.RefusalClosed, atClosing: true}
		}
	}
	for _, r := range live {
		if hash != "" && r.CardHash == hash {
			continue
		}
		if r.StartsAt.Before(now) {
			r.StartsAt = now // a held slot that runs now blocks from now on
		}
		if m := minutesBetween(from, r.StartsAt); m < l.minutes {
			l = limit{minutes: m, reason: protocol.RefusalReserved}
		}
	}
	return l
}

func minutesBetween(from, to time.Time) int {
	return max(int(to.Sub(from)/time.Minute), 0)
}

// grant stores a session of the capped length, within the card's daily quota.
func (s *Service) grant(ctx context.Context, t store.Terminal, p policy.Policy, sess store.VisitorSession, now time.Time, c limit) (protocol.SessionGrant, error) {
	sess.ID = "s-" + auth.NewID(10)
	sess.TerminalID, sess.Branch, sess.GrantedAt = t.ID, t.Branch, now
	sess.Day = now.In(p.Hours.Location()).Format(time.DateOnly)
	left := 0
	sess, err := s.Store.GrantSession(ctx, sess, func(used int) (int, error) {
		left = p.Session.DailyMinutes - used
		if sess.CardHash == "" {
			left = c.minutes // guests are bounded by their pass, not a daily quota
		}
		if left < 1 {
			return 0, refuse(protocol.RefusalQuotaExhausted, "today's %d minutes are used up", p.Session.DailyMinutes)
		}
		if c.minutes < 1 {
			return 0, capRefusal(c)
		}
		return min(c.minutes, left), nil
	})
	if err != nil {
		return protocol.SessionGrant{}, err
	}
	return protocol.SessionGrant{SessionID: sess.ID, Kind: protocol.SessionKind(sess.Kind), Minutes: sess.ReservedMin,
		EndsAtClosing: c.atClosing && c.minutes <= left, DailyMinutesLeft: left - sess.ReservedMin, GrantedAt: now}, nil
}

func capRefusal(c limit) *Refusal {
	switch c.reason {
	case protocol.RefusalClosed:
		return refuse(protocol.RefusalClosed, "the library closes too soon for a session")
	case protocol.RefusalReserved:
		return refuse(protocol.RefusalReserved, "this computer is reserved from now on")
	}
	return refuse(c.reason, "no time left")
}
