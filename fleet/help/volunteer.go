package help

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"piste/fleet/auth"
	"piste/fleet/changes"
	"piste/fleet/fault"
	"piste/fleet/protocol"
	"piste/fleet/staff"
	"piste/fleet/store"
)

// Item is a request as volunteers see it: where and what, never who.
type Item struct {
	ID           string                 `json:"id"`
	Branch       string                 `json:"branch"`
	Terminal     string                 `json:"terminal,omitempty"` // the terminal's name: where to go
	Source       string                 `json:"source"`
	Topic        string                 `json:"topic"`
	Language     string                 `json:"language"`
	Note         string                 `json:"note,omitempty"`
	Status       protocol.HelpStatus    `json:"status"`
	CreatedAt    time.Time              `json:"created_at"`
	ClaimedAt    time.Time              `json:"claimed_at,omitzero"`
	Volunteer    string                 `json:"volunteer,omitempty"`
	Mine         bool                   `json:"mine"`
	Outcome      string                 `json:"outcome,omitempty"`
	Messages     []protocol.HelpMessage `json:"messages"`
	WaitSeconds  int                    `json:"wait_seconds"`
	LoggedByDesk string                 `json:"logged_by,omitempty"`

	volunteerID int64
}

// MemberBranches is the scope of a member's queue: nil means every
// branch (a fleet-wide admin).
func MemberBranches(m staff.Member) []string {
	if m.FleetWide() {
		return nil
	}
	return m.Branches
}

// needHelper admits admins and volunteers; editors see no requests.
func needHelper(m staff.Member) error { return m.Need(staff.RoleAdmin, staff.RoleVolunteer) }

// Queue returns the live requests m serves, oldest first.
func (s *Service) Queue(ctx context.Context, m staff.Member) ([]Item, error) {
	if err := needHelper(m); err != nil {
		return nil, err
	}
	rs, err := s.Store.LiveHelpRequests(ctx, MemberBranches(m))
	if err != nil {
		return nil, err
	}
	items := make([]Item, 0, len(rs))
	for _, r := range rs {
		if !m.Serves(r.Branch) {
			continue
		}
		it, err := s.item(ctx, m, r)
		if err != nil {
			return nil, err
		}
		items = append(items, it)
	}
	return items, nil
}

// ItemFor returns one request as m sees it; ok is false when m does not
// serve its branch.
func (s *Service) ItemFor(ctx context.Context, m staff.Member, id string) (Item, bool, error) {
	r, err := s.Store.HelpRequest(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return Item{}, false, nil
	}
	if err != nil || !m.Serves(r.Branch) || needHelper(m) != nil {
		return Item{}, false, err
	}
	it, err := s.item(ctx, m, r)
	return it, err == nil, err
}

// Load returns a request as no one in particular sees it, for a feed
// that shows it to many: pass it through For before showing it.
func (s *Service) Load(ctx context.Context, id string) (Item, error) {
	r, err := s.Store.HelpRequest(ctx, id)
	if err != nil {
		return Item{}, err
	}
	return s.item(ctx, staff.Member{}, r)
}

// For is it as m sees it; ok is false when m may not see it at all (not
// a helper, or not serving its branch).
func For(m staff.Member, it Item) (Item, bool) {
	if needHelper(m) != nil || !m.Serves(it.Branch) {
		return Item{}, false
	}
	it.Mine = it.volunteerID != 0 && it.volunteerID == m.ID
	return it, true
}

func (s *Service) item(ctx context.Context, m staff.Member, r store.HelpRequest) (Item, error) {
	it := Item{ID: r.ID, Branch: r.Branch, Terminal: r.TerminalName, Source: r.Source, Topic: r.Topic,
		Language: r.Language, Note: r.Note, Status: protocol.HelpStatus(r.Status), CreatedAt: r.CreatedAt,
		ClaimedAt: r.ClaimedAt, Volunteer: r.VolunteerName, Mine: r.VolunteerID != 0 && r.VolunteerID == m.ID,
		Outcome: r.Outcome, LoggedByDesk: r.CreatedBy, Messages: []protocol.HelpMessage{}, volunteerID: r.VolunteerID}
	end := s.Now()
	if !r.FirstClaimedAt.IsZero() {
		end = r.FirstClaimedAt
	}
	it.WaitSeconds = max(0, int(end.Sub(r.CreatedAt)/time.Second))
	msgs, err := s.Store.HelpMessages(ctx, r.ID)
	if err != nil {
		return it, err
	}
	for _, msg := range msgs {
		it.Messages = append(it.Messages, protocol.HelpMessage{From: msg.Sender, Text: msg.Text, At: msg.At})
	}
	return it, nil
}

// served loads a request m may act on: a branch m serves. A request of
// another branch is not found, as if it did not exist.
func (s *Service) served(ctx context.Context, m staff.Member, id string) (store.HelpRequest, error) {
	if err := needHelper(m); err != nil {
		return store.HelpRequest{}, err
	}
	r, err := s.Store.HelpRequest(ctx, id)
	if errors.Is(err, store.ErrNotFound) || err == nil && !m.Serves(r.Branch) {
		return r, fault.NotFound("no help request %q in your branches", id)
	}
	return r, err
}

// record audits a volunteer's action on a request under its branch, so a
// branch's admins read it.
func (s *Service) record(ctx context.Context, m staff.Member, action string, r store.HelpRequest, detail string) error {
	return s.Audit.Record(ctx, m.Name, action, "branch:"+r.Branch, strings.TrimSpace("request "+r.ID+" "+detail))
}

// Claim gives an open request to m. When two claim at once, exactly one
// wins; the other gets a conflict naming who has it.
func (s *Service) Claim(ctx context.Context, m staff.Member, id string) (Item, error) {
	r, err := s.served(ctx, m, id)
	if err != nil {
		return Item{}, err
	}
	name, err := s.displayName(ctx, m)
	if err != nil {
		return Item{}, err
	}
	err = s.Store.ClaimHelpRequest(ctx, id, m.ID, name, s.Now())
	if errors.Is(err, store.ErrStale) {
		now, _ := s.Store.HelpRequest(ctx, id)
		if now.Status == string(protocol.HelpClaimed) {
			return Item{}, fault.Conflict("help request %s was claimed by %s first", id, now.VolunteerName)
		}
		return Item{}, fault.Conflict("help request %s is %s; it cannot be claimed", id, now.Status)
	}
	if err != nil {
		return Item{}, err
	}
	return s.after(ctx, m, r, "help-claim", "")
}

// after audits an action, announces the change and returns the request
// as it now is.
func (s *Service) after(ctx context.Context, m staff.Member, r store.HelpRequest, action, detail string) (Item, error) {
	s.changed(r)
	if err := s.record(ctx, m, action, r, detail); err != nil {
		return Item{}, err
	}
	r, err := s.Store.HelpRequest(ctx, r.ID)
	if err != nil {
		return Item{}, err
	}
	return s.item(ctx, m, r)
}

// mine refuses when r is not claimed by m.
func mine(m staff.Member, r store.HelpRequest) error {
	if r.Status != string(protocol.HelpClaimed) || r.VolunteerID != m.ID {
		return fault.Conflict("help request %s is not claimed by you (it is %s)", r.ID, r.Status)
	}
	return nil
}

// Release puts m's request back in the queue; an admin of the branch may
// release anyone's.
func (s *Service) Release(ctx context.Context, m staff.Member, id string) (Item, error) {
	r, err := s.served(ctx, m, id)
	if err != nil {
		return Item{}, err
	}
	// An admin may release anyone's claim: a volunteer who left with a
	// request claimed must not keep it from the queue.
	holder := m.ID
	if m.Role == staff.RoleAdmin && r.Status == string(protocol.HelpClaimed) {
		holder = r.VolunteerID
	} else if err := mine(m, r); err != nil {
		return Item{}, err
	}
	if err := s.Store.ReleaseHelpRequest(ctx, id, holder); errors.Is(err, store.ErrStale) {
		return Item{}, fault.Conflict("help request %s changed meanwhile; reload", id)
	} else if err != nil {
		return Item{}, err
	}
	return s.after(ctx, m, r, "help-release", "")
}

// Resolve closes m's request with an outcome and the topic it turned out
// to be (empty keeps the visitor's).
func (s *Service) Resolve(ctx context.Context, m staff.Member, id string, outcome protocol.HelpOutcome, topic string) (Item, error) {
	if !outcome.Valid() {
		return Item{}, fault.Field("outcome", "outcome must be solved, partly, referred or not_solved, got %q", outcome)
	}
	r, err := s.served(ctx, m, id)
	if err != nil {
		return Item{}, err
	}
	if topic == "" {
		topic = r.Topic
	}
	p, err := s.branchPolicy(ctx, store.Terminal{Branch: r.Branch})
	if err != nil {
		return Item{}, err
	}
	if topic != r.Topic {
		if err := checkTopic(p, topic); err != nil {
			return Item{}, err
		}
	}
	if err := mine(m, r); err != nil {
		return Item{}, err
	}
	err = s.Store.ResolveHelpRequest(ctx, id, m.ID, string(outcome), topic, s.Now())
	if errors.Is(err, store.ErrStale) {
		return Item{}, fault.Conflict("help request %s changed meanwhile; reload", id)
	}
	if err != nil {
		return Item{}, err
	}
	return s.after(ctx, m, r, "help-resolve", string(outcome)+" "+topic)
}

// Say sends m's chat message to the visitor of m's request.
func (s *Service) Say(ctx context.Context, m staff.Member, id, text string) (Item, error) {
	r, err := s.served(ctx, m, id)
	if err != nil {
		return Item{}, err
	}
	if err := mine(m, r); err != nil {
		return Item{}, err
	}
	if err := s.say(ctx, r, protocol.FromVolunteer, text); err != nil {
		return Item{}, err
	}
	r, err = s.Store.HelpRequest(ctx, id)
	if err != nil {
		return Item{}, err
	}
	return s.item(ctx, m, r)
}

// WalkIn is a request logged by desk staff for a visitor who came to
// the desk: no terminal. claim gives it to the member at once.
type WalkIn struct {
	Branch   string `json:"branch"`
	Topic    string `json:"topic"`
	Language string `json:"language"`
	Note     string `json:"note,omitempty"`
	Claim    bool   `json:"claim,omitempty"`
}

// LogWalkIn records a walk-in request in a branch m serves.
func (s *Service) LogWalkIn(ctx context.Context, m staff.Member, w WalkIn) (Item, error) {
	if err := needHelper(m); err != nil {
		return Item{}, err
	}
	if w.Branch == "" {
		w.Branch = m.HomeBranch()
	}
	if !m.Serves(w.Branch) {
		return Item{}, fault.Field("branch", "you do not serve branch %q", w.Branch)
	}
	if _, err := s.Store.Branch(ctx, w.Branch); errors.Is(err, store.ErrNotFound) {
		return Item{}, fault.Field("branch", "branch %q does not exist", w.Branch)
	} else if err != nil {
		return Item{}, err
	}
	a, err := protocol.HelpAsk{Topic: w.Topic, Language: w.Language, Note: w.Note}.Check()
	if err != nil {
		return Item{}, fault.Field(fieldOf(err), "%v", err)
	}
	p, err := s.branchPolicy(ctx, store.Terminal{Branch: w.Branch})
	if err != nil {
		return Item{}, err
	}
	if err := checkTopic(p, a.Topic); err != nil {
		return Item{}, err
	}
	r := store.HelpRequest{ID: "h-" + auth.NewID(8), Branch: w.Branch, Source: protocol.HelpFromWalkIn,
		Topic: a.Topic, Language: a.Language, Note: a.Note, Status: string(protocol.HelpOpen), CreatedBy: m.Name,
		CreatedAt: s.Now()}
	if _, _, err := s.Store.AddHelpRequest(ctx, r); err != nil {
		return Item{}, err
	}
	if w.Claim {
		name, err := s.displayName(ctx, m)
		if err != nil {
			return Item{}, err
		}
		if err := s.Store.ClaimHelpRequest(ctx, r.ID, m.ID, name, s.Now()); err != nil {
			return Item{}, err
		}
	}
	return s.after(ctx, m, r, "help-walkin", a.Topic)
}

// Duty is a member's duty as their page shows it.
type Duty struct {
	On          bool     `json:"on"`
	Branches    []string `json:"branches"`
	DisplayName string   `json:"display_name"`
}

// MaxDisplayName bounds the name a volunteer shows visitors.
const MaxDisplayName = 40

// SetDuty marks m on or off duty in every branch m serves. displayName
// is the name visitors see ("Anna is on her way"); empty keeps m's
// account name.
func (s *Service) SetDuty(ctx context.Context, m staff.Member, on bool, displayName string) (Duty, error) {
	if err := needHelper(m); err != nil {
		return Duty{}, err
	}
	branches, err := s.servedBranches(ctx, m)
	if err != nil {
		return Duty{}, err
	}
	displayName = strings.TrimSpace(displayName)
	if on && displayName != "" {
		t, err := protocol.CheckHelpText("display_name", displayName, MaxDisplayName)
		if err != nil || strings.ContainsAny(t, "\n\t") || !utf8.ValidString(t) {
			return Duty{}, fault.Field("display_name", "display_name must be one line of at most %d characters", MaxDisplayName)
		}
	}
	if displayName == "" {
		displayName = m.Name
	}
	if on && len(branches) == 0 {
		return Duty{}, fault.Forbidden("your account serves no branch; ask an admin to give it one")
	}
	if err := s.Store.SetDuty(ctx, m.ID, displayName, branches, on, s.Now()); err != nil {
		return Duty{}, err
	}
	for _, b := range branches {
		s.Changes.Publish(changes.Change{Kind: changes.HelpChanged, Branch: b})
	}
	action := "help-duty-off"
	if on {
		action = "help-duty-on"
	}
	for _, b := range branches {
		if err := s.Audit.Record(ctx, m.Name, action, "branch:"+b, ""); err != nil {
			return Duty{}, err
		}
	}
	return s.DutyOf(ctx, m)
}

// servedBranches lists the branches m serves.
func (s *Service) servedBranches(ctx context.Context, m staff.Member) ([]string, error) {
	bs, err := s.Store.Branches(ctx)
	if err != nil {
		return nil, fmt.Errorf("help: list branches: %w", err)
	}
	var out []string
	for _, b := range bs {
		if m.Serves(b.ID) {
			out = append(out, b.ID)
		}
	}
	return out, nil
}

// DutyOf returns m's duty now.
func (s *Service) DutyOf(ctx context.Context, m staff.Member) (Duty, error) {
	spans, err := s.Store.OnDuty(ctx, "")
	if err != nil {
		return Duty{}, err
	}
	d := Duty{Branches: []string{}}
	for _, sp := range spans {
		if sp.UserID == m.ID {
			d.On, d.DisplayName = true, sp.Name
			d.Branches = append(d.Branches, sp.Branch)
		}
	}
	return d, nil
}

// displayName is the name visitors see for m: the one given when going
// on duty, else the account name.
func (s *Service) displayName(ctx context.Context, m staff.Member) (string, error) {
	d, err := s.DutyOf(ctx, m)
	if err != nil {
		return "", err
	}
	if d.On && d.DisplayName != "" {
		return d.DisplayName, nil
	}
	return m.Name, nil
}

// PageConfig is what a volunteer's page needs to offer: the branches m
// serves and the topics of their policies, in policy order.
type PageConfig struct {
	Branches  []string               `json:"branches"`
	Topics    []string               `json:"topics"`
	Languages []string               `json:"languages"`
	Outcomes  []protocol.HelpOutcome `json:"outcomes"`
	MaxNote   int                    `json:"max_note"`
	MaxText   int                    `json:"max_text"`
	// ReleaseAny is true for an admin, who may release anyone's claim.
	ReleaseAny bool `json:"release_any"`
}

// ConfigFor returns m's page configuration.
func (s *Service) ConfigFor(ctx context.Context, m staff.Member) (PageConfig, error) {
	if err := needHelper(m); err != nil {
		return PageConfig{}, err
	}
	branches, err := s.servedBranches(ctx, m)
	if err != nil {
		return PageConfig{}, err
	}
	c := PageConfig{Branches: nonNilStrings(branches), Topics: []string{}, Languages: protocol.HelpLanguages,
		Outcomes: protocol.HelpOutcomes, MaxNote: protocol.MaxHelpNote, MaxText: protocol.MaxHelpMessage,
		ReleaseAny: m.Role == staff.RoleAdmin}
	seen := map[string]bool{}
	for _, b := range branches {
		p, err := s.branchPolicy(ctx, store.Terminal{Branch: b})
		if err != nil {
			return PageConfig{}, err
		}
		for _, t := range p.Help.Topics {
			if !seen[t] {
				seen[t] = true
				c.Topics = append(c.Topics, t)
			}
		}
	}
	return c, nil
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
