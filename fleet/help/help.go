// Package help is the fleet's digital support: visitors' help requests
// from terminals (and walk-ins logged at the desk), their states open →
// claimed → resolved | cancelled | expired, the chat between visitor and
// volunteer, volunteers' duty, wait estimates and the programme's
// statistics. Volunteers never see who a visitor is: a request holds no
// card, no name, only its terminal.
package help

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"piste/fleet/audit"
	"piste/fleet/auth"
	"piste/fleet/changes"
	"piste/fleet/fault"
	"piste/fleet/protocol"
	"piste/fleet/store"
	"piste/policies/policy"
)

// Policies gives a terminal's effective policy; a store.Terminal with
// only a Branch gives the branch's. *visits.Service is one.
type Policies interface {
	Effective(ctx context.Context, t store.Terminal) (policy.Policy, error)
}

// Link sends frames to connected terminals; *hub.Hub is one.
type Link interface {
	Send(terminalID, typ string, body any) bool
	OnlineIDs() []string
}

// Service holds the rules of help requests.
type Service struct {
	Store    *store.Store
	Policies Policies
	Link     Link
	Changes  changes.Publisher
	Audit    *audit.Log
	Log      *slog.Logger
	Now      func() time.Time

	mu       sync.Mutex
	notified map[string]string // terminal -> fingerprint of the last notice sent
}

// New returns a Service; call Run to keep terminals told.
func New(st *store.Store, pol Policies, link Link, pub changes.Publisher, log *audit.Log, lg *slog.Logger) *Service {
	return &Service{Store: st, Policies: pol, Link: link, Changes: pub, Audit: log, Log: lg, Now: time.Now,
		notified: map[string]string{}}
}

// changed announces a change of a request.
func (s *Service) changed(r store.HelpRequest) {
	s.Changes.Publish(changes.Change{Kind: changes.HelpChanged, Branch: r.Branch, Terminal: r.TerminalID, Item: r.ID})
}

// branchPolicy is the policy of a terminal, or of a branch when t has no id.
func (s *Service) branchPolicy(ctx context.Context, t store.Terminal) (policy.Policy, error) {
	p, err := s.Policies.Effective(ctx, t)
	if err != nil {
		return p, fmt.Errorf("help: policy of %s: %w", t.Branch, err)
	}
	return p, nil
}

func checkTopic(p policy.Policy, topic string) error {
	if !slices.Contains(p.Help.Topics, topic) {
		return fault.Field("topic", "topic %q is not one of this branch's help topics (policy help.topics): %v", topic, p.Help.Topics)
	}
	return nil
}

// Ask opens a request from a terminal's visitor. A terminal has at most
// one live request: asking again returns that one. A request with a
// session id ends with that session; one without (the welcome screen)
// ends when a session starts or after help.welcome_timeout_minutes.
func (s *Service) Ask(ctx context.Context, t store.Terminal, a protocol.HelpAsk) (protocol.HelpView, error) {
	a, err := a.Check()
	if err != nil {
		return protocol.HelpView{}, fault.Field(fieldOf(err), "%v", err)
	}
	if t.Kind == string(protocol.KindScreen) {
		return protocol.HelpView{}, fault.Forbidden("terminal %s is an info screen; help is asked at visitor PCs", t.ID)
	}
	p, err := s.branchPolicy(ctx, t)
	if err != nil {
		return protocol.HelpView{}, err
	}
	if err := checkTopic(p, a.Topic); err != nil {
		return protocol.HelpView{}, err
	}
	now := s.Now()
	r := store.HelpRequest{ID: "h-" + auth.NewID(8), Branch: t.Branch, TerminalID: t.ID, SessionID: a.SessionID,
		Source: protocol.HelpFromSession, Topic: a.Topic, Language: a.Language, Note: a.Note,
		Status: string(protocol.HelpOpen), CreatedAt: now}
	if a.SessionID == "" {
		r.Source = protocol.HelpFromWelcome
		r.ExpiresAt = now.Add(time.Duration(p.Help.WelcomeTimeoutMinutes) * time.Minute)
	}
	got, added, err := s.Store.AddHelpRequest(ctx, r)
	if err != nil {
		return protocol.HelpView{}, err
	}
	if added {
		s.changed(got)
	}
	return s.view(ctx, got)
}

// fieldOf names the field a protocol check refused.
func fieldOf(err error) string {
	msg := err.Error()
	for _, f := range []string{"topic", "language", "note", "session_id", "text"} {
		if len(msg) >= len(f) && msg[:len(f)] == f {
			return f
		}
	}
	return ""
}

// terminalRequest loads a request and checks that it is t's.
func (s *Service) terminalRequest(ctx context.Context, t store.Terminal, id string) (store.HelpRequest, error) {
	r, err := s.Store.HelpRequest(ctx, id)
	if errors.Is(err, store.ErrNotFound) || err == nil && r.TerminalID != t.ID {
		return r, fault.NotFound("no help request %q at this terminal", id)
	}
	return r, err
}

// Cancel ends a terminal's own request at its visitor's word.
func (s *Service) Cancel(ctx context.Context, t store.Terminal, id string) (protocol.HelpView, error) {
	r, err := s.terminalRequest(ctx, t, id)
	if err != nil {
		return protocol.HelpView{}, err
	}
	err = s.Store.CloseHelpRequest(ctx, id, string(protocol.HelpCancelled), s.Now())
	if err != nil && !errors.Is(err, store.ErrStale) {
		return protocol.HelpView{}, err
	}
	if err == nil {
		s.changed(r)
	}
	r, err = s.Store.HelpRequest(ctx, id)
	if err != nil {
		return protocol.HelpView{}, err
	}
	return s.view(ctx, r)
}

// VisitorSay adds the visitor's chat message to their live request.
func (s *Service) VisitorSay(ctx context.Context, t store.Terminal, id, text string) (protocol.HelpView, error) {
	r, err := s.terminalRequest(ctx, t, id)
	if err != nil {
		return protocol.HelpView{}, err
	}
	if err := s.say(ctx, r, protocol.FromVisitor, text); err != nil {
		return protocol.HelpView{}, err
	}
	return s.view(ctx, r)
}

func (s *Service) say(ctx context.Context, r store.HelpRequest, from, text string) error {
	text, err := protocol.CheckHelpText("text", text, protocol.MaxHelpMessage)
	if err != nil {
		return fault.Field("text", "%v", err)
	}
	if text == "" {
		return fault.Field("text", "text is required: the message to send")
	}
	err = s.Store.AddHelpMessage(ctx, r.ID, from, text, s.Now())
	if errors.Is(err, store.ErrStale) {
		return fault.Conflict("help request %s is %s; it takes no more messages", r.ID, r.Status)
	}
	if err != nil {
		return err
	}
	s.changed(r)
	return nil
}

// SessionStarted ends a terminal's open welcome-screen request (the
// visitor got in) and ties a claimed one to the new session, so that its
// volunteer can still record how it went and it ends with the session.
func (s *Service) SessionStarted(ctx context.Context, terminalID, sessionID string) {
	closed, err := s.Store.EndHelpOfWelcome(ctx, terminalID, sessionID, s.Now())
	if err != nil {
		s.warn(ctx, "end welcome-screen help requests", err)
		return
	}
	for _, r := range closed {
		s.changed(r)
	}
}

// SessionEnded cancels the live requests of a session: no request
// outlives its visitor.
func (s *Service) SessionEnded(ctx context.Context, terminalID, sessionID string) {
	if sessionID == "" {
		return
	}
	closed, err := s.Store.EndHelpOf(ctx, terminalID, sessionID, string(protocol.HelpCancelled), s.Now())
	if err != nil {
		s.warn(ctx, "cancel a session's help requests", err)
		return
	}
	for _, r := range closed {
		s.changed(r)
	}
}

// Expire closes the welcome-screen requests whose time is up.
func (s *Service) Expire(ctx context.Context) {
	closed, err := s.Store.ExpireHelpRequests(ctx, s.Now())
	if err != nil {
		s.warn(ctx, "expire help requests", err)
		return
	}
	for _, r := range closed {
		s.changed(r)
	}
}

func (s *Service) warn(ctx context.Context, what string, err error) {
	if ctx.Err() == nil && s.Log != nil {
		s.Log.Warn(what, "err", err)
	}
}
