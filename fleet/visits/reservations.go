package visits

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"piste/fleet/auth"
	"piste/fleet/fault"
	"piste/fleet/protocol"
	"piste/fleet/store"
)

// checkCardNumber refuses what cannot be a library card number.
func checkCardNumber(card string) error {
	card = NormalizeCard(card)
	if card == "" || len(card) > 64 || strings.ContainsAny(card, "|\r\n") {
		return fault.Field("card", "card must be 1 to 64 characters without '|' or line breaks")
	}
	return nil
}

// Reserve holds a terminal for a card from from for minutes. The holder
// has the policy's reservation_hold_minutes to turn up.
func (s *Service) Reserve(ctx context.Context, t store.Terminal, card string, from time.Time, minutes int, by string) (store.Reservation, error) {
	now := s.Now()
	if err := checkCardNumber(card); err != nil {
		return store.Reservation{}, err
	}
	if minutes < 1 || minutes > 1440 {
		return store.Reservation{}, fault.Field("minutes", "minutes must be between 1 and 1440, got %d", minutes)
	}
	if from.Before(now.Add(-time.Minute)) {
		return store.Reservation{}, fault.Field("from", "from must not be in the past, got %s", from.Format(time.RFC3339))
	}
	p, err := s.Effective(ctx, t)
	if err != nil {
		return store.Reservation{}, err
	}
	until := from.Add(time.Duration(minutes) * time.Minute)
	// The slot is held for the card from its start for the hold time (at
	// least a minute, at most the slot), then lapses if nobody came.
	holdFor := min(max(p.Session.ReservationHoldMinutes, 1), minutes)
	hold := from.Add(time.Duration(holdFor) * time.Minute)
	r := store.Reservation{ID: "r-" + auth.NewID(6), TerminalID: t.ID, Branch: t.Branch,
		CardHash: s.Cards.Hash(card), CardHint: Hint(card), StartsAt: from, Until: until,
		HoldUntil: hold, Source: store.ReservationBooked, CreatedBy: by, CreatedAt: now}
	err = s.Store.AddReservation(ctx, r, now)
	if errors.Is(err, store.ErrConflict) {
		return r, fault.Conflict("terminal %s is already reserved in that slot; pick another time or computer", t.ID)
	}
	if err != nil {
		return r, fmt.Errorf("visits: reserve %s: %w", t.ID, err)
	}
	s.notifyReservation(ctx, t.ID)
	return r, nil
}

// CancelReservation deletes a reservation and tells its terminal.
func (s *Service) CancelReservation(ctx context.Context, r store.Reservation) error {
	if err := s.Store.DeleteReservation(ctx, r.ID); err != nil {
		return err
	}
	s.notifyReservation(ctx, r.TerminalID)
	return nil
}

// Enqueue puts a card in a branch's walk-up queue and returns its place.
func (s *Service) Enqueue(ctx context.Context, branch, card string) (int, error) {
	if err := checkCardNumber(card); err != nil {
		return 0, err
	}
	return s.Store.Enqueue(ctx, store.QueueEntry{Branch: branch, CardHash: s.Cards.Hash(card),
		CardHint: Hint(card), CreatedAt: s.Now()})
}

// TerminalIdle gives a terminal that just went idle to the first in its
// branch's walk-up queue, held for reservation_hold_minutes.
func (s *Service) TerminalIdle(ctx context.Context, terminalID string) {
	t, err := s.Store.Terminal(ctx, terminalID)
	if err != nil {
		return
	}
	p, err := s.Effective(ctx, t)
	if err != nil || p.Session.ReservationHoldMinutes < 1 {
		return
	}
	now := s.Now()
	hold := now.Add(time.Duration(p.Session.ReservationHoldMinutes) * time.Minute)
	_, held, err := s.Store.HoldForQueue(ctx, terminalID, now, func(e store.QueueEntry) store.Reservation {
		return store.Reservation{ID: "r-" + auth.NewID(6), CardHash: e.CardHash, CardHint: e.CardHint,
			StartsAt: now, Until: hold, HoldUntil: hold, CreatedBy: "walk-up queue", CreatedAt: now}
	})
	if err != nil {
		s.Log.Warn("hold terminal for the walk-up queue", "terminal", terminalID, "err", err)
		return
	}
	if held {
		s.notifyReservation(ctx, terminalID)
	}
}

// noticeFor is the reservation notice for a terminal's next live reservation.
func noticeFor(r *store.Reservation) protocol.Notice {
	n := protocol.ReservationNotice{}
	if r != nil {
		n.Reservation = &protocol.Reservation{ID: r.ID, From: r.StartsAt, Until: r.Until, CardHint: r.CardHint}
	}
	data, _ := jsonMarshal(n)
	return protocol.Notice{Kind: protocol.NoticeReservation, Data: data}
}

// notifyReservation tells one terminal its next reservation if it changed
// since it was last told.
func (s *Service) notifyReservation(ctx context.Context, terminalID string) {
	live, err := s.Store.LiveReservations(ctx, "", terminalID, s.Now())
	if err != nil {
		s.warn(ctx, "load reservations", err)
		return
	}
	var next *store.Reservation
	if len(live) > 0 {
		next = &live[0]
	}
	s.tell(terminalID, next)
}

func (s *Service) tell(terminalID string, next *store.Reservation) {
	id := ""
	if next != nil {
		id = next.ID
	}
	s.mu.Lock()
	last, told := s.notified[terminalID]
	if told && last == id {
		s.mu.Unlock()
		return
	}
	s.notified[terminalID] = id
	s.mu.Unlock()
	if !s.Link.Send(terminalID, protocol.TypeNotice, noticeFor(next)) {
		s.mu.Lock()
		delete(s.notified, terminalID) // not connected: tell it on connect
		s.mu.Unlock()
	}
}

// pushReservations re-tells every connected terminal whose next
// reservation changed: new, cancelled, claimed or lapsed.
func (s *Service) pushReservations(ctx context.Context) {
	live, err := s.Store.LiveReservations(ctx, "", "", s.Now())
	if err != nil {
		s.warn(ctx, "load reservations", err)
		return
	}
	next := map[string]*store.Reservation{}
	for i := range live {
		if _, ok := next[live[i].TerminalID]; !ok {
			next[live[i].TerminalID] = &live[i]
		}
	}
	for _, id := range s.Link.OnlineIDs() {
		s.tell(id, next[id])
	}
}
