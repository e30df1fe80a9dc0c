package terminals

import (
	"context"
	"fmt"

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
