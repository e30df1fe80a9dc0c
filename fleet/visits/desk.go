package visits

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"piste/fleet/fault"
	"piste/fleet/staff"
	"piste/fleet/store"
)

// The methods below are what staff do at a branch's desk: book a computer
// for a visitor, list and cancel bookings, put a visitor in the walk-up
// queue, see who is using the computers. Admins act in the branches they
// see, volunteers in their own branch; each change is audited.

// Booking is a staff member's request to reserve a terminal for a card.
type Booking struct {
	Terminal string
	Card     string
	From     time.Time // zero: now
	Minutes  int
}

// Book reserves a terminal for a visitor's card.
func (s *Service) Book(ctx context.Context, m staff.Member, b Booking) (store.Reservation, error) {
	if err := m.Need(staff.RoleAdmin, staff.RoleVolunteer); err != nil {
		return store.Reservation{}, err
	}
	switch {
	case b.Terminal == "":
		return store.Reservation{}, fault.Field("terminal", "terminal is required: the id of the computer to reserve")
	case b.Card == "":
		return store.Reservation{}, fault.Field("card", "card is required: the visitor's library card number")
	case b.Minutes == 0:
		return store.Reservation{}, fault.Field("minutes", "minutes is required: the length of the slot")
	}
	if b.From.IsZero() {
		b.From = s.Now()
	}
	t, err := s.Store.Terminal(ctx, b.Terminal)
	if errors.Is(err, store.ErrNotFound) || err == nil && !m.Serves(t.Branch) {
		return store.Reservation{}, fault.Field("terminal", "no terminal %q that you may reserve", b.Terminal)
	}
	if err != nil {
		return store.Reservation{}, fmt.Errorf("visits: load terminal %s: %w", b.Terminal, err)
	}
	res, err := s.Reserve(ctx, t, b.Card, b.From, b.Minutes, m.Name)
	if err != nil {
		return res, err
	}
	return res, s.Audit.Record(ctx, m.Name, "reserve", t.ID, res.ID+" card …"+res.CardHint)
}

// Bookings lists the live reservations of a branch ("" for every branch,
// for a fleet-wide admin).
func (s *Service) Bookings(ctx context.Context, m staff.Member, branch string) ([]store.Reservation, error) {
	if err := m.Need(staff.RoleAdmin, staff.RoleVolunteer); err != nil {
		return nil, err
	}
	if branch == "" {
		branch = m.HomeBranch()
	}
	if branch != "" && !m.CanSee(branch) {
		return nil, nil // a branch outside m's own holds nothing m may see
	}
	if branch == "" && !m.FleetWide() {
		return nil, fault.Field("branch", "branch is required: your account works in %s", m.Scope())
	}
	list, err := s.Store.LiveReservations(ctx, branch, "", s.Now())
	if err != nil {
		return nil, fmt.Errorf("visits: list reservations: %w", err)
	}
	return list, nil
}

// CancelBooking deletes a reservation of a branch m serves.
func (s *Service) CancelBooking(ctx context.Context, m staff.Member, id string) error {
	if err := m.Need(staff.RoleAdmin, staff.RoleVolunteer); err != nil {
		return err
	}
	res, err := s.Store.Reservation(ctx, id)
	if errors.Is(err, store.ErrNotFound) || err == nil && !m.Serves(res.Branch) {
		return fault.NotFound("no reservation %q", id)
	}
	if err != nil {
		return fmt.Errorf("visits: load reservation %s: %w", id, err)
	}
	if err := s.CancelReservation(ctx, res); err != nil {
		return fmt.Errorf("visits: cancel reservation %s: %w", id, err)
	}
	return s.Audit.Record(ctx, m.Name, "cancel-reservation", res.TerminalID, id)
}

// Queue puts a visitor's card in a branch's walk-up queue and returns
// its place.
func (s *Service) Queue(ctx context.Context, m staff.Member, branch, card string) (int, error) {
	if err := m.Need(staff.RoleAdmin, staff.RoleVolunteer); err != nil {
		return 0, err
	}
	if card == "" {
		return 0, fault.Field("card", "card is required: the visitor's library card number")
	}
	_, err := s.Store.Branch(ctx, branch)
	if errors.Is(err, store.ErrNotFound) || err == nil && !m.Serves(branch) {
		return 0, fault.NotFound("no branch %q whose queue you may use", branch)
	}
	if err != nil {
		return 0, fmt.Errorf("visits: load branch %s: %w", branch, err)
	}
	return s.Enqueue(ctx, branch, card)
}

// Running lists the running sessions of a branch ("" for every branch
// m sees).
func (s *Service) Running(ctx context.Context, m staff.Member, branch string) ([]store.VisitorSession, error) {
	if err := m.Need(staff.RoleAdmin); err != nil {
		return nil, err
	}
	if branch != "" && !m.CanSee(branch) {
		return nil, nil // a branch outside m's own holds nothing m may see
	}
	if branch == "" {
		branch = m.HomeBranch()
	}
	list, err := s.ActiveSessions(ctx, branch)
	if err != nil {
		return nil, fmt.Errorf("visits: running sessions: %w", err)
	}
	return slices.DeleteFunc(list, func(v store.VisitorSession) bool { return !m.CanSee(v.Branch) }), nil
}
