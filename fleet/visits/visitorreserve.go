package visits

import (
	"context"
	"errors"
	"fmt"
	"time"

	"piste/fleet/fault"
	"piste/fleet/protocol"
	"piste/fleet/store"
	"piste/policies/policy"
)

// ReserveNext checks a library card and PIN like a login and reserves the
// terminal for that card for its next free slot: from the end of the
// running session and of the reservations that follow it, or from now when
// the terminal is idle (the policy's reservation_hold_minutes give the
// visitor time to sit down). The slot is minutes long (max_minutes when 0)
// at most, shortened to the card's daily quota, the branch's closing time
// and the next reservation; a slot that cannot start before closing is
// refused as closed. Like Login it answers within the Deadline and counts
// against the card-check Limits.
func (s *Service) ReserveNext(ctx context.Context, t store.Terminal, card, pin string, minutes int) (store.Reservation, error) {
	if err := checkCardNumber(card); err != nil {
		return store.Reservation{}, err
	}
	if minutes < 0 || minutes > 1440 {
		return store.Reservation{}, fault.Field("minutes", "minutes must be between 0 and 1440, got %d", minutes)
	}
	ctx, cancel := s.answerBy(ctx)
	defer cancel()
	r, err := s.reserveNext(ctx, t, card, pin, minutes)
	return r, s.inTime(ctx, "visitor reservation", err)
}

func (s *Service) reserveNext(ctx context.Context, t store.Terminal, card, pin string, minutes int) (store.Reservation, error) {
	now := s.Now()
	if err := s.admitCardCheck(t.ID, now); err != nil {
		return store.Reservation{}, err
	}
	p, err := s.Effective(ctx, t)
	if err != nil {
		return store.Reservation{}, err
	}
	closing, err := openNow(p, now)
	if err != nil {
		return store.Reservation{}, err
	}
	hash := s.Cards.Hash(card)
	if until, err := s.Store.PINLock(ctx, hash, now); err != nil {
		return store.Reservation{}, err
	} else if !until.IsZero() {
		return store.Reservation{}, lockedOut(until, now)
	}
	if err := s.checkCard(ctx, p, hash, card, pin, now); err != nil {
		return store.Reservation{}, err
	}
	from, length, err := s.nextSlot(ctx, t, p, hash, now, closing, minutes)
	if err != nil {
		return store.Reservation{}, err
	}
	r, err := s.Reserve(ctx, t, card, from, length, "visitor at "+t.ID)
	if errors.Is(err, fault.ErrConflict) { // another reservation landed in between
		return r, refuse(protocol.RefusalReserved, "this computer was just reserved by someone else; try again")
	}
	return r, err
}

// nextSlot finds where and how long the visitor's slot can be.
func (s *Service) nextSlot(ctx context.Context, t store.Terminal, p policy.Policy, hash string, now, closing time.Time, want int) (time.Time, int, error) {
	if want == 0 || want > p.Session.MaxMinutes {
		want = p.Session.MaxMinutes
	}
	used, err := s.Store.QuotaUsed(ctx, hash, now.In(p.Hours.Location()).Format(time.DateOnly))
	if err != nil {
		return time.Time{}, 0, fmt.Errorf("visits: read quota: %w", err)
	}
	if left := p.Session.DailyMinutes - used; left < 1 {
		return time.Time{}, 0, refuse(protocol.RefusalQuotaExhausted, "today's %d minutes are used up", p.Session.DailyMinutes)
	} else if left < want {
		want = left
	}
	from, err := s.sessionEnd(ctx, t, now)
	if err != nil {
		return time.Time{}, 0, err
	}
	live, err := s.Store.LiveReservations(ctx, "", t.ID, now)
	if err != nil {
		return time.Time{}, 0, err
	}
	for _, r := range live { // soonest first: step past each one the slot would overlap
		if !r.Until.After(from) {
			continue
		}
		if minutesBetween(from, r.StartsAt) >= want {
			break
		}
		from = r.Until
	}
	length := want
	if !closing.IsZero() {
		end := closing.Add(-time.Duration(p.Session.EndBeforeClosingMinutes) * time.Minute)
		if length = min(length, minutesBetween(from, end)); length < 1 {
			return time.Time{}, 0, refuse(protocol.RefusalClosed, "the library closes before this computer is free")
		}
	}
	return from, length, nil
}

// sessionEnd is when the terminal's running session ends, or now.
func (s *Service) sessionEnd(ctx context.Context, t store.Terminal, now time.Time) (time.Time, error) {
	running, err := s.Store.ActiveSessions(ctx, t.Branch, now)
	if err != nil {
		return time.Time{}, fmt.Errorf("visits: running sessions: %w", err)
	}
	for _, sess := range running {
		if sess.TerminalID == t.ID && sess.EndsAt.After(now) {
			return sess.EndsAt, nil
		}
	}
	return now, nil
}
