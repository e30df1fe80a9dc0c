package server

import (
	"context"
	"time"

	"piste/fleet/help"
	"piste/fleet/measures"
	"piste/fleet/staff"
)

// helpFigures gives the measures their digital-support figures from the
// help queue's statistics: requests made and people helped (resolved as
// solved, partly or referred) per branch, counted on the branch's local
// days of the month.
type helpFigures struct{ help *help.Service }

// statsReader reads every branch's statistics, as the fleet's own
// measures do (never a person's view).
var statsReader = staff.Member{Name: "measures", Role: staff.RoleAdmin}

// SupportFigures implements measures.SupportSource; to is exclusive.
func (h helpFigures) SupportFigures(ctx context.Context, from, to time.Time) (map[string]measures.Support, error) {
	st, err := h.help.Stats(ctx, statsReader, from, to.Add(-time.Nanosecond))
	if err != nil {
		return nil, err
	}
	out := map[string]measures.Support{}
	for _, r := range st.Rows {
		s := out[r.Branch]
		s.Requests += int64(r.Requests)
		s.Resolved += int64(r.Helped)
		out[r.Branch] = s
	}
	return out, nil
}
