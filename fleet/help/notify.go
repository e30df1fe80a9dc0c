package help

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"piste/fleet/changes"
	"piste/fleet/protocol"
	"piste/fleet/store"
)

// How estimates are made: the median of a branch's last estimateSample
// waits within estimateWindow.
const (
	estimateSample = 30
	estimateWindow = 30 * 24 * time.Hour
	// closedShown is how long after it closed a request is still sent to
	// its terminal, so the visitor sees that it ended and how.
	closedShown = 30 * time.Second
	// housekeepingEvery is how often expiries and forgotten duty are checked.
	housekeepingEvery = 5 * time.Second
	// TextRetention is how long after a request closed its note and chat
	// are kept: for a volunteer to look back the same day, never for
	// statistics, which count without them.
	TextRetention = 24 * time.Hour
	// MaxDuty ends a duty span nobody ended: a volunteer who closed the
	// page without going off duty is not counted on duty for ever.
	MaxDuty = 10 * time.Hour
)

// view is a request as its terminal sees it.
func (s *Service) view(ctx context.Context, r store.HelpRequest) (protocol.HelpView, error) {
	v := protocol.HelpView{ID: r.ID, Status: protocol.HelpStatus(r.Status), Source: r.Source, Topic: r.Topic, Language: r.Language,
		Note: r.Note, CreatedAt: r.CreatedAt}
	if r.Status == string(protocol.HelpClaimed) {
		v.Volunteer = r.VolunteerName
	}
	msgs, err := s.Store.HelpMessages(ctx, r.ID)
	if err != nil {
		return v, err
	}
	for _, m := range msgs {
		v.Messages = append(v.Messages, protocol.HelpMessage{From: m.Sender, Text: m.Text, At: m.At})
	}
	if r.Status == string(protocol.HelpOpen) {
		v.Position, v.EstimateSeconds, err = s.place(ctx, r)
	}
	return v, err
}

// place is an open request's place in its branch's queue and its
// estimated wait from now.
func (s *Service) place(ctx context.Context, r store.HelpRequest) (pos, estimate int, err error) {
	live, err := s.Store.LiveHelpRequests(ctx, []string{r.Branch})
	if err != nil {
		return 0, 0, err
	}
	for _, o := range live {
		if o.Status == string(protocol.HelpOpen) && !o.CreatedAt.After(r.CreatedAt) {
			pos++
		}
	}
	waits, err := s.Store.HelpWaits(ctx, r.Branch, s.Now().Add(-estimateWindow), estimateSample)
	if err != nil || len(waits) == 0 {
		return pos, 0, err
	}
	duty, err := s.Store.OnDuty(ctx, r.Branch)
	if err != nil {
		return pos, 0, err
	}
	est := time.Duration(int64(Percentile(waits, 50)) * int64(pos) / int64(max(1, len(duty))))
	est -= s.Now().Sub(r.CreatedAt) // the time already waited counts
	return pos, max(0, int(est/time.Second)), nil
}

// Support says whether help can be asked at a terminal's branch now.
func (s *Service) Support(ctx context.Context, t store.Terminal) (protocol.HelpSupport, error) {
	p, err := s.branchPolicy(ctx, store.Terminal{ID: t.ID, Branch: t.Branch})
	if err != nil {
		return protocol.HelpSupport{}, err
	}
	duty, err := s.Store.OnDuty(ctx, t.Branch)
	if err != nil {
		return protocol.HelpSupport{}, err
	}
	sup := protocol.HelpSupport{OnDuty: len(duty), Topics: slices.Clone(p.Help.Topics)}
	hours, now := p.SupportHours(), s.Now()
	if from, ok := hours.NextOpening(now); ok {
		sup.NextFrom = from.UTC()
		sup.InHours = !from.After(now)
		if until, open := hours.ClosingAfter(from); open && !until.IsZero() {
			sup.NextUntil = until.UTC()
		}
	}
	return sup, nil
}

// Notify sends a terminal its help notice when it differs from the last
// one sent; force sends it anyway (the terminal just connected).
func (s *Service) Notify(ctx context.Context, t store.Terminal, force bool) {
	n := protocol.HelpNotice{}
	r, err := s.Store.TerminalHelpRequest(ctx, t.ID, s.Now().Add(-closedShown))
	if err == nil {
		v, err := s.view(ctx, r)
		if err != nil {
			s.warn(ctx, "load help request", err)
			return
		}
		n.Request = &v
	}
	if n.Support, err = s.Support(ctx, t); err != nil {
		s.warn(ctx, "load help support", err)
		return
	}
	fp := fingerprint(n)
	s.mu.Lock()
	same := s.notified[t.ID] == fp
	s.notified[t.ID] = fp
	s.mu.Unlock()
	if same && !force {
		return
	}
	data, _ := json.Marshal(n)
	if !s.Link.Send(t.ID, protocol.TypeNotice, protocol.Notice{Kind: protocol.NoticeHelp, Data: data}) {
		s.mu.Lock()
		delete(s.notified, t.ID) // not connected: it is told on connect
		s.mu.Unlock()
	}
}

// fingerprint is a notice without what moves by itself (the estimate
// counts down on the kiosk).
func fingerprint(n protocol.HelpNotice) string {
	if n.Request != nil {
		c := *n.Request
		c.EstimateSeconds = c.EstimateSeconds / 60
		n.Request = &c
	}
	b, _ := json.Marshal(n)
	return string(b)
}

// Connected tells a terminal that just connected its help request and
// its branch's support.
func (s *Service) Connected(ctx context.Context, t store.Terminal) { s.Notify(ctx, t, true) }

// Run keeps terminals told of their requests and their branch's support
// as requests and duty change, and expires requests whose time is up.
func (s *Service) Run(ctx context.Context, bus *changes.Bus) {
	heard := bus.Subscribe(changes.HelpChanged, changes.PolicyChanged)
	defer heard.Close()
	tick := time.NewTicker(housekeepingEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			s.Expire(ctx)
			if _, err := s.Store.EndStaleDuty(ctx, s.Now().Add(-MaxDuty), MaxDuty); err != nil {
				s.warn(ctx, "end forgotten duty", err)
			}
			if _, err := s.Store.ForgetHelpText(ctx, s.Now().Add(-TextRetention)); err != nil {
				s.warn(ctx, "forget help notes and chat", err)
			}
		case <-heard.Ready():
			cs, behind := heard.Take()
			s.apply(ctx, cs, behind)
		}
	}
}

// apply re-tells the terminals a batch of changes concerns: those whose
// request changed, those queued behind it in its branch, and, when duty
// or policy changed, every terminal of the branch.
func (s *Service) apply(ctx context.Context, cs []changes.Change, behind bool) {
	whole := map[string]bool{} // branch -> every terminal
	queues := map[string]bool{}
	direct := map[string]string{} // terminal -> branch
	for _, c := range cs {
		switch {
		case behind, c.Kind == changes.PolicyChanged:
			whole[""] = true
		case c.Terminal == "" && c.Item == "":
			whole[c.Branch] = true
		default:
			queues[c.Branch] = true
			if c.Terminal != "" {
				direct[c.Terminal] = c.Branch
			}
		}
	}
	if behind {
		whole[""] = true
	}
	for b := range whole {
		ts, err := s.Store.Terminals(ctx, b)
		if err != nil {
			s.warn(ctx, "list terminals", err)
			continue
		}
		for _, t := range ts {
			s.Notify(ctx, t, false)
			delete(direct, t.ID)
		}
		if b == "" {
			return
		}
		delete(queues, b)
	}
	for b := range queues {
		live, err := s.Store.LiveHelpRequests(ctx, []string{b})
		if err != nil {
			s.warn(ctx, "load help queue", err)
			continue
		}
		for _, r := range live {
			if r.TerminalID != "" {
				direct[r.TerminalID] = r.Branch
			}
		}
	}
	for id, b := range direct {
		s.Notify(ctx, store.Terminal{ID: id, Branch: b}, false)
	}
}

// Percentile returns the p-th percentile (nearest rank) of ds; 0 for none.
func Percentile(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := (p*len(s)+99)/100 - 1
	return s[min(max(i, 0), len(s)-1)]
}
