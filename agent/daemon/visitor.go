package daemon

import (
	"context"

	"piste/agent/localapi"
)

var errNoSessions = &localapi.Refusal{Code: localapi.RefusalUnavailable, Message: "visitor sessions are not enabled in this build"}

// Login starts a library-card session.
func (d *Daemon) Login(ctx context.Context, req localapi.LoginRequest) error { return errNoSessions }

// Guest starts a guest-pass session.
func (d *Daemon) Guest(ctx context.Context, req localapi.GuestRequest) error { return errNoSessions }

// Extend lengthens the running session.
func (d *Daemon) Extend(ctx context.Context) error { return errNoSessions }

// End ends the running session.
func (d *Daemon) End(ctx context.Context) error { return errNoSessions }

// SetLanguage switches the visitor's language.
func (d *Daemon) SetLanguage(ctx context.Context, req localapi.LanguageRequest) error {
	d.update(func(s *localapi.Status) { s.Language = req.Language })
	return nil
}

// SetAccessibility sets the visitor's display choices.
func (d *Daemon) SetAccessibility(ctx context.Context, req localapi.Accessibility) error {
	d.update(func(s *localapi.Status) { s.Accessibility = req })
	return nil
}

// RequestHelp asks a volunteer for help.
func (d *Daemon) RequestHelp(ctx context.Context, req localapi.HelpRequest) error {
	return errNoSessions
}
