package visits

import (
	"context"
	"time"

	"piste/fleet/store"
)

// CountRefusal adds a refused login at a terminal to its branch's
// anonymous daily statistics; anything but a Refusal is not counted.
func (s *Service) CountRefusal(ctx context.Context, t store.Terminal, err error) {
	ref, ok := AsRefusal(err)
	if !ok {
		return
	}
	loc := time.UTC
	if p, err := s.Effective(ctx, t); err == nil {
		loc = p.Hours.Location()
	}
	day := s.Now().In(loc).Format(time.DateOnly)
	if err := s.Store.CountRefusal(ctx, t.Branch, day, string(ref.Code)); err != nil {
		s.warn(ctx, "count refusal", err)
	}
}
