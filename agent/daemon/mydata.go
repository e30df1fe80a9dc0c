package daemon

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"piste/agent/localapi"
	"piste/fleet/protocol"
)

var _ localapi.MyDataController = (*Daemon)(nil)

// cardSession returns the running library-card session's id.
func (d *Daemon) cardSession() (string, error) {
	s := d.Status().Session
	if s == nil || s.Kind != protocol.SessionCard {
		return "", localapi.ErrNoCardSession
	}
	return s.ID, nil
}

// MyData shows what the fleet keeps about this visitor.
func (d *Daemon) MyData(ctx context.Context) (localapi.MyData, error) {
	d.session.Touch()
	id, err := d.cardSession()
	if err != nil {
		return localapi.MyData{}, err
	}
	return d.fleet.MyData(ctx, http.MethodGet, id, nil)
}

// RememberSettings keeps the visitor's current choices at the fleet, for
// their card, so that the next login anywhere applies them.
func (d *Daemon) RememberSettings(ctx context.Context) (localapi.MyData, error) {
	d.session.Touch()
	id, err := d.cardSession()
	if err != nil {
		return localapi.MyData{}, err
	}
	st := d.Status()
	a := st.Accessibility
	set := protocol.VisitorSettings{TextScale: max(a.TextScale, localapi.MinTextScale), HighContrast: a.HighContrast,
		Language: st.Language, Speech: a.Speech, SpeechRate: a.SpeechRate}
	return d.fleet.MyData(ctx, http.MethodPut, id, &set)
}

// ForgetMyData deletes the remembered settings at the fleet.
func (d *Daemon) ForgetMyData(ctx context.Context) (localapi.MyData, error) {
	d.session.Touch()
	id, err := d.cardSession()
	if err != nil {
		return localapi.MyData{}, err
	}
	return d.fleet.MyData(ctx, http.MethodDelete, id, nil)
}

// rememberedTimeout bounds the look-up of remembered settings at a login:
// the visitor is already in; the settings may come a moment later or not.
const rememberedTimeout = 5 * time.Second

// applyRemembered applies the settings the visitor had remembered, after a
// card login. A fleet that cannot answer leaves the defaults.
func (d *Daemon) applyRemembered(ctx context.Context) {
	id, err := d.cardSession()
	if err != nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), rememberedTimeout)
	defer cancel()
	kept, err := d.fleet.MyData(ctx, http.MethodGet, id, nil)
	if err != nil {
		slog.Warn("agent: remembered settings not applied", "err", err)
		return
	}
	if kept.Settings == nil {
		return
	}
	set := *kept.Settings
	d.update(func(s *localapi.Status) {
		s.Language = set.Language
		s.Accessibility.TextScale, s.Accessibility.HighContrast = set.TextScale, set.HighContrast
		s.Accessibility.Speech, s.Accessibility.SpeechRate = set.Speech, set.SpeechRate
	})
}
