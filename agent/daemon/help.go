package daemon

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"time"

	"piste/agent/localapi"
	"piste/agent/session"
	"piste/fleet/protocol"
)

// closedHelpShown is how long a closed request stays in the status, so
// the kiosk can say it ended and how.
const closedHelpShown = 30 * time.Second

// RequestHelp asks the fleet for a volunteer. A request asked in a
// session belongs to it and ends with it; one asked from the welcome
// screen belongs to the terminal and ends when a session starts or after
// the policy's help.welcome_timeout_minutes. It needs the fleet: a
// request nobody can see would leave the visitor waiting for no one.
func (d *Daemon) RequestHelp(ctx context.Context, req localapi.HelpRequest) error {
	d.session.Touch()
	st := d.Status()
	if req.Language == "" {
		req.Language = st.Language
	}
	ask := protocol.HelpAsk{Topic: req.Topic, Language: req.Language, Note: req.Note}
	if st.Session != nil {
		ask.SessionID = st.Session.ID
	}
	ask, err := ask.Check()
	if err != nil {
		return badRequest(err.Error())
	}
	if topics := d.session.Policy().Help.Topics; !slices.Contains(topics, ask.Topic) {
		return badRequest("topic " + ask.Topic + " is not one of this branch's help topics")
	}
	if st.State == localapi.StateOutOfService || st.State == localapi.StateWiping || st.State == localapi.StateEnding {
		return &localapi.Refusal{Code: localapi.RefusalBusy, Message: "the terminal is " + string(st.State) + "; ask at the desk"}
	}
	ctx, cancel := context.WithTimeout(ctx, protocol.AgentVisitorTimeout)
	defer cancel()
	v, err := d.fleet.AskHelp(ctx, ask)
	if err != nil {
		return helpUnreachable(err)
	}
	d.log.Info("help requested", "request", v.ID, "topic", v.Topic, "session", ask.SessionID != "")
	d.setHelp(&v)
	return nil
}

// CancelHelp withdraws the visitor's live request.
func (d *Daemon) CancelHelp(ctx context.Context) error {
	d.session.Touch()
	h := d.Status().Help
	if h == nil || !h.Status.Live() {
		return &localapi.APIError{StatusCode: http.StatusConflict, Code: "no_help_request", Message: "there is no help request to cancel"}
	}
	ctx, cancel := context.WithTimeout(ctx, protocol.AgentVisitorTimeout)
	defer cancel()
	v, err := d.fleet.CancelHelp(ctx, h.ID)
	if err != nil {
		return helpUnreachable(err)
	}
	d.setHelp(&v)
	return nil
}

// SayHelp sends the visitor's chat message to their volunteer.
func (d *Daemon) SayHelp(ctx context.Context, req localapi.HelpMessageRequest) error {
	d.session.Touch()
	text, err := protocol.CheckHelpText("text", req.Text, protocol.MaxHelpMessage)
	if err != nil {
		return badRequest(err.Error())
	}
	if text == "" {
		return badRequest("text is required")
	}
	h := d.Status().Help
	if h == nil || !h.Status.Live() {
		return &localapi.APIError{StatusCode: http.StatusConflict, Code: "no_help_request", Message: "there is no help request to write to"}
	}
	ctx, cancel := context.WithTimeout(ctx, protocol.AgentVisitorTimeout)
	defer cancel()
	v, err := d.fleet.SayHelp(ctx, h.ID, text)
	if err != nil {
		return helpUnreachable(err)
	}
	d.setHelp(&v)
	return nil
}

func badRequest(msg string) error {
	return &localapi.APIError{StatusCode: http.StatusBadRequest, Code: localapi.CodeBadRequest, Message: msg}
}

func helpUnreachable(err error) error {
	if errors.Is(err, session.ErrUnreachable) {
		return &localapi.Refusal{Code: localapi.RefusalUnavailable,
			Message: "the fleet did not answer, so no volunteer can see a request; ask at the desk"}
	}
	return err
}

// setHelp shows a request in the status.
func (d *Daemon) setHelp(v *protocol.HelpView) {
	d.update(func(s *localapi.Status) {
		if v != nil && s.Help != nil && s.Help.ID == v.ID && !v.Status.Live() && !s.Help.Status.Live() {
			return // already shown closed; keep its first closing time
		}
		s.Help = v
	})
	d.mu.Lock()
	if v != nil && !v.Status.Live() {
		d.helpClosedAt = time.Now()
	}
	d.mu.Unlock()
}

// helpNotice applies the fleet's word on this terminal's request and its
// branch's support.
func (d *Daemon) helpNotice(data json.RawMessage) {
	var n protocol.HelpNotice
	if err := json.Unmarshal(data, &n); err != nil {
		d.log.Warn("help notice ignored", "err", err)
		return
	}
	sup := n.Support
	d.update(func(s *localapi.Status) { s.HelpSupport = &sup })
	if n.Request != nil && n.Request.Source == protocol.HelpFromSession && d.Status().Session == nil {
		n.Request = nil // its visitor is gone; the next one must not see it
	}
	if n.Request == nil {
		if h := d.Status().Help; h != nil && h.Status.Live() {
			return // a request the fleet has not yet told; keep showing it
		}
		d.setHelp(nil)
		return
	}
	d.setHelp(n.Request)
}

// helpTick drops a closed request from the status once it has been shown
// a while, and a request whose visitor is gone: a session's once the
// session is over, a welcome screen's once a session started. The fleet
// closes those when it hears of the session; the screen must not show
// them meanwhile.
func (d *Daemon) helpTick(now time.Time) {
	st := d.Status()
	h := st.Help
	if h == nil {
		return
	}
	d.mu.Lock()
	closedAt := d.helpClosedAt
	d.mu.Unlock()
	inSession := st.Session != nil
	switch {
	case !h.Status.Live() && now.Sub(closedAt) > closedHelpShown,
		h.Source == protocol.HelpFromSession && !inSession,
		h.Status == protocol.HelpOpen && h.Source == protocol.HelpFromWelcome && inSession:
		d.update(func(s *localapi.Status) {
			if s.Help != nil && s.Help.ID == h.ID {
				s.Help = nil
			}
		})
	}
}
