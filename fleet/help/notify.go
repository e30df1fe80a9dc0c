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
	var q *queue
	if r.Status == string(protocol.HelpOpen) {
		var err error
		if q, err = s.queueOf(ctx, r.Branch); err != nil {
			return protocol.HelpView{}, err
		}
	}
	return s.viewIn(ctx, r, q)
}

// viewIn is view with the branch's queue already loaded (nil for a
// request that is not open).
func (s *Service) viewIn(ctx context.Context, r store.HelpRequest, q *queue) (protocol.HelpView, error) {
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
	if r.Status == string(protocol.HelpOpen) && q != nil {
		v.Position, v.EstimateSeconds = q.place(r, s.Now())
	}
	return v, nil
}

// queue is a branch's live requests with what estimates need, loaded once
// for every terminal of the branch that is told.
type queue struct {
	live   []store.HelpRequest
	median time.Duration // of the branch's recent waits; 0 when none
	onDuty int
}

func (s *Service) queueOf(ctx context.Context, branch string) (*queue, error) {
	live, err := s.Store.LiveHelpRequests(ctx, []string{branch})
	if err != nil {
		return nil, err
	}
	waits, err := s.Store.HelpWaits(ctx, branch, s.Now().Add(-estimateWindow), estimateSample)
	if err != nil {
		return nil, err
	}
	duty, err := s.Store.OnDuty(ctx, branch)
	if err != nil {
		return nil, err
	}
	return &queue{live: live, median: Percentile(waits, 50), onDuty: len(duty)}, nil
}

// place is an open request's place in its branch's queue and its
// estimated wait from now: the median recent wait per place ahead, shared
// by the volunteers on duty, less what was waited already.
func (q *queue) place(r store.HelpRequest, now time.Time) (pos, estimate int) {
	for _, o := range q.live {
		if o.Status == string(protocol.HelpOpen) && !o.CreatedAt.After(r.CreatedAt) {
			pos++
		}
	}
	if q.median == 0 {
		return pos, 0
	}
	est := time.Duration(int64(q.median) * int64(pos) / int64(max(1, q.onDuty)))
	est -= now.Sub(r.CreatedAt)
	return pos, max(0, int(est/time.Second))
}

// Support says whether help can be asked at a terminal's branch now.
func (s *Service) Support(ctx context.Context, t store.Terminal) (protocol.HelpSupport, error) {
	duty, err := s.Store.OnDuty(ctx, t.Branch)
	if err != nil {
		return protocol.HelpSupport{}, err
	}
	return s.supportWith(ctx, t, len(duty))
}

// supportWith is Support with the volunteers on duty already counted.
func (s *Service) supportWith(ctx context.Context, t store.Terminal, onDuty int) (protocol.HelpSupport, error) {
	p, err := s.branchPolicy(ctx, store.Terminal{ID: t.ID, Branch: t.Branch})
	if err != nil {
		return protocol.HelpSupport{}, err
	}
	sup := protocol.HelpSupport{OnDuty: onDuty, Topics: slices.Clone(p.Help.Topics)}
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
	s.send(t.ID, n, force)
}

// send sends a notice unless it says what the last one said.
func (s *Service) send(terminalID string, n protocol.HelpNotice, force bool) {
	fp := fingerprint(n)
	s.mu.Lock()
	same := s.notified[terminalID] == fp
	s.notified[terminalID] = fp
	s.mu.Unlock()
	if same && !force {
		return
	}
	data, _ := json.Marshal(n)
	if !s.Link.Send(terminalID, protocol.TypeNotice, protocol.Notice{Kind: protocol.NoticeHelp, Data: data}) {
		s.mu.Lock()
		delete(s.notified, terminalID) // not connected: it is told on connect
		s.mu.Unlock()
	}
}

// notifyQueue tells every terminal with a live request in a branch its
// request, the branch's queue and support being loaded once.
func (s *Service) notifyQueue(ctx context.Context, branch string, told map[string]bool) {
	q, err := s.queueOf(ctx, branch)
	if err != nil {
		s.warn(ctx, "load help queue", err)
		return
	}
	for _, r := range q.live {
		if r.TerminalID == "" || told[r.TerminalID] {
			continue
		}
		sup, err := s.supportWith(ctx, store.Terminal{ID: r.TerminalID, Branch: branch}, q.onDuty)
		if err != nil {
			s.warn(ctx, "load help support", err)
			return
		}
		v, err := s.viewIn(ctx, r, q)
		if err != nil {
			s.warn(ctx, "load help request", err)
			return
		}
		told[r.TerminalID] = true
		s.send(r.TerminalID, protocol.HelpNotice{Request: &v, Support: sup}, false)
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
// request changed, those queued with it in its branch, and, when duty or
// policy changed, every terminal of the branch.
func (s *Service) apply(ctx context.Context, cs []changes.Change, behind bool) {
	whole := map[string]bool{} // branches whose every terminal is told
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
	if whole[""] {
		whole = map[string]bool{"": true}
	}
	told := map[string]bool{}
	for b := range whole {
		ts, err := s.Store.Terminals(ctx, b)
		if err != nil {
			s.warn(ctx, "list terminals", err)
			continue
		}
		s.notifyTerminals(ctx, ts, told)
	}
	for b := range queues {
		if !whole[b] && !whole[""] {
			s.notifyQueue(ctx, b, told)
		}
	}
	for id, b := range direct {
		if !told[id] {
			s.Notify(ctx, store.Terminal{ID: id, Branch: b}, false)
		}
	}
}

// notifyTerminals tells each terminal its request and its branch's
// support, loading each branch's queue once: a policy change reaches ten
// thousand terminals with a few reads per branch, not per terminal. A
// terminal without a live request is told it has none.
func (s *Service) notifyTerminals(ctx context.Context, ts []store.Terminal, told map[string]bool) {
	byBranch := map[string][]store.Terminal{}
	for _, t := range ts {
		byBranch[t.Branch] = append(byBranch[t.Branch], t)
	}
	for branch, list := range byBranch {
		q, err := s.queueOf(ctx, branch)
		if err != nil {
			s.warn(ctx, "load help queue", err)
			continue
		}
		live := map[string]store.HelpRequest{}
		for _, r := range q.live {
			if r.TerminalID != "" {
				live[r.TerminalID] = r
			}
		}
		for _, t := range list {
			sup, err := s.supportWith(ctx, t, q.onDuty)
			if err != nil {
				s.warn(ctx, "load help support", err)
				return
			}
			n := protocol.HelpNotice{Support: sup}
			if r, ok := live[t.ID]; ok {
				v, err := s.viewIn(ctx, r, q)
				if err != nil {
					s.warn(ctx, "load help request", err)
					return
				}
				n.Request = &v
			}
			told[t.ID] = true
			s.send(t.ID, n, false)
		}
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
