package terminals

import (
	"context"
	"fmt"

	"piste/fleet/fault"
	"piste/fleet/staff"
	"piste/fleet/store"
)

// Alerts lists the open alerts of the terminals m sees.
func (s *Service) Alerts(ctx context.Context, m staff.Member) ([]store.Alert, error) {
	if err := m.Need(staff.RoleAdmin); err != nil {
		return nil, err
	}
	all, err := s.Store.OpenAlerts(ctx)
	if err != nil {
		return nil, fmt.Errorf("terminals: open alerts: %w", err)
	}
	out := make([]store.Alert, 0, len(all))
	for _, al := range all {
		if !m.FleetWide() {
			t, err := s.Store.Terminal(ctx, al.TerminalID)
			if err != nil || !m.CanSee(t.Branch) {
				continue
			}
		}
		out = append(out, al)
	}
	return out, nil
}

// WipeReceipts returns a terminal's newest wipe receipts, at most limit.
func (s *Service) WipeReceipts(ctx context.Context, m staff.Member, id string, limit int) ([]store.WipeReceipt, error) {
	t, err := s.Terminal(ctx, m, id)
	if err != nil {
		return nil, err
	}
	list, err := s.Store.WipeReceipts(ctx, t.ID, limit)
	if err != nil {
		return nil, fmt.Errorf("terminals: wipe receipts of %s: %w", t.ID, err)
	}
	return list, nil
}

// RejectedEvents returns the newest events of a terminal that were kept
// aside at ingest because their data was bad, at most limit.
func (s *Service) RejectedEvents(ctx context.Context, m staff.Member, id string, limit int) ([]store.RejectedEvent, error) {
	t, err := s.Terminal(ctx, m, id)
	if err != nil {
		return nil, err
	}
	list, err := s.Store.RejectedEvents(ctx, t.ID, limit)
	if err != nil {
		return nil, fmt.Errorf("terminals: rejected events of %s: %w", t.ID, err)
	}
	return list, nil
}

// SettleRejected closes a terminal's alert about rejected events; the
// events themselves stay listed until they age out.
func (s *Service) SettleRejected(ctx context.Context, m staff.Member, id string) error {
	t, err := s.Terminal(ctx, m, id)
	if err != nil {
		return err
	}
	closed, err := s.Store.SettleRejected(ctx, t.ID, s.Now())
	if err != nil {
		return fmt.Errorf("terminals: settle rejected events of %s: %w", t.ID, err)
	}
	if !closed {
		return fault.NotFound("terminal %q has no open alert about rejected events", t.ID)
	}
	return s.Audit.Record(ctx, m.Name, "settle_rejected_events", t.ID, "")
}
