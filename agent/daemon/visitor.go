package daemon

import (
	"context"

	"piste/agent/localapi"
)

// The local API's intents are the visitor's activity: each one touches the
// session's idle clock (see package session for what is not seen).

// Login starts a library-card session.
func (d *Daemon) Login(ctx context.Context, req localapi.LoginRequest) error {
	if err := d.session.Login(ctx, req.Card, req.PIN); err != nil {
		return err
	}
	d.applyRemembered(ctx) // the settings the visitor chose to have follow them
	return nil
}

// Guest starts a guest-pass session.
func (d *Daemon) Guest(ctx context.Context, req localapi.GuestRequest) error {
	return d.session.Guest(ctx, req.Code)
}

// Extend lengthens the running session.
func (d *Daemon) Extend(ctx context.Context) error { return d.session.Extend(ctx) }

// StillHere answers the idle warning: the visitor is still here.
func (d *Daemon) StillHere(ctx context.Context) error { return d.session.StillHere() }

// End ends the running session; the wipe follows at once.
func (d *Daemon) End(ctx context.Context) error { return d.session.End(ctx) }

// SetLanguage switches the visitor's language.
func (d *Daemon) SetLanguage(ctx context.Context, req localapi.LanguageRequest) error {
	d.session.Touch()
	d.update(func(s *localapi.Status) { s.Language = req.Language })
	return nil
}

// SetAccessibility sets the visitor's display choices.
func (d *Daemon) SetAccessibility(ctx context.Context, req localapi.Accessibility) error {
	d.session.Touch()
	d.update(func(s *localapi.Status) { s.Accessibility = req })
	return nil
}
