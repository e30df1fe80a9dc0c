package daemon

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"piste/agent/localapi"
	"piste/agent/session"
	"piste/fleet/protocol"
)

// Reserve asks the fleet to hold this PC for a visitor's card for its next
// free slot. It needs the fleet: a reservation made offline could not keep
// anyone out. The slot shows in Status.Reservation at once when it is the
// PC's next one; the fleet's reservation notice confirms it. It is
// refused during a session and beyond the terminal's card-check limit
// (see session.Machine.AdmitReserve).
func (d *Daemon) Reserve(ctx context.Context, req localapi.ReserveRequest) error {
	if err := checkReserve(req); err != nil {
		d.session.Touch()
		return err
	}
	if err := d.session.AdmitReserve(); err != nil {
		return err
	}
	// The fleet answers within its own, shorter deadline.
	ctx, cancel := context.WithTimeout(ctx, protocol.AgentVisitorTimeout)
	defer cancel()
	res, err := d.fleet.Reserve(ctx, req.Card, req.PIN, req.Minutes)
	if errors.Is(err, session.ErrUnreachable) {
		return &localapi.Refusal{Code: localapi.RefusalUnavailable,
			Message: "the fleet did not answer and a reservation needs it; try again or ask the staff"}
	}
	if err != nil {
		return err
	}
	d.log.Info("visitor reserved this terminal", "reservation", res.ID, "from", res.From, "until", res.Until)
	if cur := d.Status().Reservation; cur == nil || res.From.Before(cur.From) {
		d.session.SetReservation(&protocol.Reservation{ID: res.ID, From: res.From, Until: res.Until, CardHint: res.CardHint})
	}
	return nil
}

// checkReserve refuses a request the fleet would refuse anyway, naming the field.
func checkReserve(req localapi.ReserveRequest) error {
	bad := func(format string, args ...any) error {
		return &localapi.APIError{StatusCode: http.StatusBadRequest, Code: localapi.CodeBadRequest, Message: fmt.Sprintf(format, args...)}
	}
	switch {
	case strings.TrimSpace(req.Card) == "":
		return bad("card is required: the library card number")
	case req.PIN == "":
		return bad("pin is required")
	case len(req.Card) > 64 || len(req.PIN) > 64:
		return bad("card and pin must be at most 64 characters")
	case req.Minutes < 0 || req.Minutes > 1440:
		return bad("minutes must be between 0 (the longest session the policy allows) and 1440, got %d", req.Minutes)
	}
	return nil
}
