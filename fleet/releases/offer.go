package releases

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"piste/fleet/protocol"
	"piste/fleet/store"
	"piste/internal/release"
)

// Push offers the rollouts to every connected terminal they reach now
// (after a rollout started, resumed or was rolled back). Terminals offline
// now are offered at their next connect.
func (s *Service) Push(ctx context.Context) error {
	if s.Link == nil {
		return nil
	}
	online := map[string]bool{}
	for _, id := range s.Link.OnlineIDs() {
		online[id] = true
	}
	if len(online) == 0 {
		return nil
	}
	p, err := s.newPlanner(ctx, "")
	if err != nil {
		return err
	}
	ts, err := s.Store.Terminals(ctx, "")
	if err != nil {
		return err
	}
	var sends []send
	for _, t := range ts {
		if online[t.ID] && !t.Revoked {
			if snd, ok := p.plan(t); ok {
				sends = append(sends, snd)
			}
		}
	}
	return s.deliver(ctx, p, sends)
}

// Connected offers a terminal that just connected whatever applies to it.
func (s *Service) Connected(ctx context.Context, t store.Terminal) {
	// The terminal's stored record carries the version its hello named.
	t, err := s.Store.Terminal(ctx, t.ID)
	if err == nil {
		var p *planner
		if p, err = s.newPlanner(ctx, t.ID); err == nil {
			if snd, ok := p.plan(t); ok {
				err = s.deliver(ctx, p, []send{snd})
			}
		}
	}
	if err != nil && ctx.Err() == nil {
		s.Log.Warn("offer rollout", "terminal", t.ID, "err", err)
	}
}

// send is one offer for one terminal.
type send struct {
	terminal string
	offer    protocol.UpdateOffer
	row      store.RolloutTerminal // a new row to record, if RolloutID > 0
	moved    *store.RolloutTerminal
}

// planner decides, from the rollouts and each terminal's rows, what to
// offer a terminal.
type planner struct {
	s        *Service
	now      time.Time
	rollouts []store.Rollout // newest first
	rows     map[string][]store.RolloutTerminal
	releases map[string]store.Release // version/os/arch
}

// newPlanner loads what planning needs: for one terminal only its own
// rows (a connect must not cost the whole fleet's), for "" every row.
func (s *Service) newPlanner(ctx context.Context, terminal string) (*planner, error) {
	p := &planner{s: s, now: s.Now().UTC(), rows: map[string][]store.RolloutTerminal{}, releases: map[string]store.Release{}}
	var err error
	if p.rollouts, err = s.Store.Rollouts(ctx); err != nil {
		return nil, err
	}
	if terminal != "" {
		if p.rows[terminal], err = s.Store.TerminalRollouts(ctx, terminal); err != nil {
			return nil, err
		}
	}
	for _, r := range p.rollouts {
		if terminal != "" {
			break
		}
		rows, err := s.Store.RolloutTerminals(ctx, r.ID)
		if err != nil {
			return nil, err
		}
		for _, row := range rows {
			p.rows[row.TerminalID] = append(p.rows[row.TerminalID], row)
		}
	}
	rels, err := s.Store.Releases(ctx)
	if err != nil {
		return nil, err
	}
	for _, r := range rels {
		p.releases[r.Version+"/"+r.OS+"/"+r.Arch] = r
	}
	return p, nil
}

func (p *planner) row(terminal string, rollout int64) (store.RolloutTerminal, bool) {
	for _, r := range p.rows[terminal] {
		if r.RolloutID == rollout {
			return r, true
		}
	}
	return store.RolloutTerminal{}, false
}

// failedBefore reports whether a terminal failed version in any rollout:
// it is not offered that version again.
func (p *planner) failedBefore(terminal, version string) bool {
	for _, row := range p.rows[terminal] {
		if row.Status != TerminalFailed {
			continue
		}
		for _, r := range p.rollouts {
			if r.ID == row.RolloutID && r.Version == version {
				return true
			}
		}
	}
	return false
}

// plan returns what to send a terminal, if anything: first a rollback of
// a version it took, else the newest rollout that reaches it decides.
func (p *planner) plan(t store.Terminal) (send, bool) {
	for _, r := range p.rollouts {
		if r.Status == RolloutRolledBack {
			if snd, ok := p.planRollback(r, t); ok {
				return snd, true
			}
		}
	}
	for _, r := range p.rollouts {
		if !includes(r, t) || r.Status == RolloutRolledBack {
			continue
		}
		if r.Status == RolloutActive {
			return p.planOffer(r, t)
		}
		return send{}, false // paused: nothing new
	}
	return send{}, false
}

func (p *planner) planOffer(r store.Rollout, t store.Terminal) (send, bool) {
	row, have := p.row(t.ID, r.ID)
	if t.AgentVersion == r.Version {
		if have && row.Status != TerminalUpdated && row.Status != TerminalFailed {
			row.Status, row.Detail, row.UpdatedAt = TerminalUpdated, "", p.now
			return send{terminal: t.ID, moved: &row}, true
		}
		return send{}, false
	}
	// Never a downgrade, and never again a version that failed here.
	if !release.Newer(r.Version, t.AgentVersion) || p.failedBefore(t.ID, r.Version) {
		return send{}, false
	}
	if have && row.Status != TerminalOffered && row.Status != TerminalStaged {
		return send{}, false // installing: wait for it to come back or time out
	}
	osName, arch, _ := strings.Cut(t.OS, "/")
	rel, ok := p.releases[r.Version+"/"+osName+"/"+arch]
	if !ok {
		return send{}, false
	}
	snd := send{terminal: t.ID, offer: protocol.UpdateOffer{RolloutID: r.ID, Version: r.Version,
		Path: protocol.ReleasePath(rel.Version, rel.OS, rel.Arch), SHA256: rel.SHA256, Size: rel.Size, Signature: rel.Signature}}
	if !have {
		snd.row = store.RolloutTerminal{RolloutID: r.ID, TerminalID: t.ID, FromVersion: t.AgentVersion, Status: TerminalOffered, UpdatedAt: p.now}
	}
	return snd, true
}

func (p *planner) planRollback(r store.Rollout, t store.Terminal) (send, bool) {
	row, have := p.row(t.ID, r.ID)
	if !have {
		return send{}, false
	}
	switch row.Status {
	case TerminalOffered, TerminalStaged, TerminalInstalling, TerminalUpdated, TerminalReverting:
	default:
		return send{}, false
	}
	if t.AgentVersion == row.FromVersion && row.Status != TerminalOffered && row.Status != TerminalStaged {
		row.Status, row.Detail, row.UpdatedAt = TerminalReverted, "", p.now
		return send{terminal: t.ID, moved: &row}, true
	}
	snd := send{terminal: t.ID, offer: protocol.UpdateOffer{RolloutID: r.ID, Version: r.Version, Rollback: true, RollbackTo: row.FromVersion}}
	if row.Status != TerminalReverting {
		row.Status, row.UpdatedAt = TerminalReverting, p.now
		snd.moved = &row
	}
	return snd, true
}

// deliver records the new rows in one transaction, then sends the offers.
func (s *Service) deliver(ctx context.Context, p *planner, sends []send) error {
	var rows []store.RolloutTerminal
	for _, snd := range sends {
		if snd.row.RolloutID > 0 {
			rows = append(rows, snd.row)
		}
	}
	if err := s.Store.OfferRollout(ctx, rows); err != nil {
		return err
	}
	touched := map[int64]bool{}
	for _, snd := range sends {
		if snd.moved != nil {
			if _, err := s.Store.SetRolloutTerminal(ctx, *snd.moved); err != nil {
				return err
			}
			touched[snd.moved.RolloutID] = true
		}
		if snd.offer.RolloutID > 0 {
			touched[snd.offer.RolloutID] = true
			data, _ := json.Marshal(snd.offer)
			s.Link.Send(snd.terminal, protocol.TypeNotice, protocol.Notice{Kind: protocol.NoticeUpdate, Data: data})
		}
	}
	for id := range touched {
		s.changed(id, "")
	}
	return nil
}

// Report records an update event from a terminal and pauses the rollout
// when too many of its terminals failed.
func (s *Service) Report(ctx context.Context, terminalID string, data json.RawMessage) error {
	var rep protocol.UpdateReport
	if err := json.Unmarshal(data, &rep); err != nil {
		return fmt.Errorf("update report: %w", err)
	}
	if err := rep.Validate(); err != nil {
		return err
	}
	row, err := s.Store.RolloutTerminal(ctx, rep.RolloutID, terminalID)
	if errors.Is(err, store.ErrNotFound) {
		return nil // a rollout this terminal was never part of: nothing to record
	}
	if err != nil {
		return err
	}
	row.Detail, row.UpdatedAt = rep.Detail, s.Now().UTC()
	var from []string
	switch rep.Status {
	case protocol.UpdateStaged:
		row.Status, from = TerminalStaged, []string{TerminalOffered}
	case protocol.UpdateInstalling:
		row.Status, from = TerminalInstalling, []string{TerminalOffered, TerminalStaged}
	case protocol.UpdateHealthy:
		row.Status, from = TerminalUpdated, []string{TerminalOffered, TerminalStaged, TerminalInstalling, TerminalFailed}
	case protocol.UpdateReverted:
		row.Status = TerminalReverted
	default: // refused, rolled back, failed
		row.Status = TerminalFailed
		row.Detail = string(rep.Status) + ": " + rep.Detail
		from = []string{TerminalOffered, TerminalStaged, TerminalInstalling, TerminalUpdated}
	}
	moved, err := s.Store.SetRolloutTerminal(ctx, row, from...)
	if err != nil || !moved {
		return err
	}
	s.changed(row.RolloutID, terminalID)
	if row.Status == TerminalFailed {
		return s.checkFailures(ctx, row.RolloutID)
	}
	return nil
}

// checkFailures pauses a rollout when more than its share of the
// terminals that tried the update failed.
func (s *Service) checkFailures(ctx context.Context, id int64) error {
	r, err := s.Store.Rollout(ctx, id)
	if err != nil || r.Status != RolloutActive {
		return err
	}
	rows, err := s.Store.RolloutTerminals(ctx, id)
	if err != nil {
		return err
	}
	tried, failed := 0, 0
	for _, row := range rows {
		switch row.Status {
		case TerminalFailed:
			failed++
			tried++
		case TerminalInstalling, TerminalUpdated:
			tried++
		}
	}
	if tried == 0 || failed*100 <= r.MaxFailurePercent*tried {
		return nil
	}
	reason := fmt.Sprintf("paused by the fleet: %d of %d terminals that tried %s failed (limit %d%%)", failed, tried, r.Version, r.MaxFailurePercent)
	moved, err := s.Store.SetRolloutStatus(ctx, id, RolloutPaused, reason, s.Now(), RolloutActive)
	if err != nil || !moved {
		return err
	}
	s.Log.Warn("rollout paused", "rollout", id, "reason", reason)
	s.changed(id, "")
	return s.Audit.Record(ctx, "fleet", "rollout:paused", fmt.Sprint(id), reason)
}

// Watch marks terminals that did not come back in time as failed, until
// ctx ends.
func (s *Service) Watch(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := s.expire(ctx); err != nil && ctx.Err() == nil {
				s.Log.Warn("rollout watch", "err", err)
			}
		}
	}
}

func (s *Service) expire(ctx context.Context) error {
	rollouts, err := s.Store.Rollouts(ctx)
	if err != nil {
		return err
	}
	now := s.Now().UTC()
	for _, r := range rollouts {
		if r.Status == RolloutRolledBack {
			continue
		}
		rows, err := s.Store.RolloutTerminals(ctx, r.ID)
		if err != nil {
			return err
		}
		late := false
		for _, row := range rows {
			if row.Status != TerminalInstalling || now.Sub(row.UpdatedAt) < waitFor(r) {
				continue
			}
			row.Status, row.UpdatedAt = TerminalFailed, now
			row.Detail = fmt.Sprintf("did not come back healthy within %ds", r.HealthSeconds)
			moved, err := s.Store.SetRolloutTerminal(ctx, row, TerminalInstalling)
			if err != nil {
				return err
			}
			late = late || moved
		}
		if late {
			s.changed(r.ID, "")
			if err := s.checkFailures(ctx, r.ID); err != nil {
				return err
			}
		}
	}
	return nil
}
