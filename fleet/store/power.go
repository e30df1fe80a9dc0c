package store

import (
	"context"
	"database/sql"
	"piste/fleet/protocol"
	"time"
)

// recordAgentUpdate notes a terminal's agent version change, seen in its
// hello, for the programme's count of software updates.
func recordAgentUpdate(ctx context.Context, tx *sql.Tx, p Presence) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO agent_updates (terminal_id, branch, from_version, to_version, at)
		SELECT id, branch, agent_version, ?, ? FROM terminals WHERE id = ? AND agent_version <> '' AND agent_version <> ?`,
		p.AgentVersion, ms(p.LastSeen), p.TerminalID, p.AgentVersion)
	return err
}

// WakeTarget is a terminal as the power schedule sees it.
type WakeTarget struct {
	ID       string
	Branch   string
	MAC      string
	LastSeen time.Time
}

// WakeTargets lists a branch's PCs that are not revoked, with their MAC
// addresses (empty when never reported).
func (s *Store) WakeTargets(ctx context.Context, branch string) ([]WakeTarget, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, branch, mac, last_seen FROM terminals
		WHERE branch = ? AND revoked_at IS NULL AND kind = 'pc' ORDER BY id`, branch)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []WakeTarget
	for rows.Next() {
		var t WakeTarget
		var seen int64
		if err := rows.Scan(&t.ID, &t.Branch, &t.MAC, &seen); err != nil {
			return nil, err
		}
		t.LastSeen = fromMS(seen)
		out = append(out, t)
	}
	return out, rows.Err()
}

// PowerSaved is the time a branch's terminals were off on their schedule.
type PowerSaved struct {
	Branch    string  `json:"branch"`
	Terminals int     `json:"terminals"`
	Spans     int     `json:"spans"`
	Hours     float64 `json:"hours"`
}

// PowerSavedByBranch sums the spans that began in [from, to) by branch.
func (s *Store) PowerSavedByBranch(ctx context.Context, from, to time.Time) ([]PowerSaved, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT branch, COUNT(DISTINCT terminal_id), COUNT(*), SUM(on_at - off_at)
		FROM power_log WHERE off_at >= ? AND off_at < ? GROUP BY branch ORDER BY branch`, ms(from), ms(to))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []PowerSaved
	for rows.Next() {
		var p PowerSaved
		var msOff int64
		if err := rows.Scan(&p.Branch, &p.Terminals, &p.Spans, &msOff); err != nil {
			return nil, err
		}
		p.Hours = float64(msOff) / float64(time.Hour/time.Millisecond)
		out = append(out, p)
	}
	return out, rows.Err()
}

// applyPower stores a power span event; the same span sent twice counts once.
func applyPower(ctx context.Context, tx *sql.Tx, terminalID string, span protocol.PowerSpan) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO power_log (terminal_id, branch, off_at, on_at)
		SELECT id, branch, ?, ? FROM terminals WHERE id = ? ON CONFLICT DO NOTHING`,
		ms(span.OffAt), ms(span.OnAt), terminalID)
	return err
}
