// Package mydata keeps the settings a visitor chose to have remembered
// (text size, contrast, language, speech) so that they follow them to any
// terminal of the network, and shows and deletes what the fleet keeps about
// their computer use. Everything is keyed by the card's keyed hash, never by
// a name or a card number, and reached only through a running card session
// of the asking terminal. Settings unused for KeepDays are deleted.
package mydata

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"piste/fleet/fault"
	"piste/fleet/protocol"
	"piste/fleet/store"
)

// DefaultKeepDays is how long unused settings are kept.
const DefaultKeepDays = 365

// Store is what the service needs of the database.
type Store interface {
	VisitorSession(ctx context.Context, id string) (store.VisitorSession, error)
	PutVisitorSettings(ctx context.Context, cardHash string, settings []byte, now time.Time) error
	VisitorSettings(ctx context.Context, cardHash string) (store.RememberedSettings, error)
	TouchVisitorSettings(ctx context.Context, cardHash string, now time.Time) error
	DeleteVisitorSettings(ctx context.Context, cardHash string) (bool, error)
	ExpireVisitorSettings(ctx context.Context, unusedSince time.Time) (int, error)
	CardSessionsOn(ctx context.Context, cardHash, day string) ([]store.VisitorSession, error)
}

// Service is MyData.
type Service struct {
	st Store
	// Now is the clock.
	Now func() time.Time
	// KeepDays is how long unused settings are kept.
	KeepDays int
}

// New returns the service over st.
func New(st Store) *Service {
	return &Service{st: st, Now: time.Now, KeepDays: DefaultKeepDays}
}

// card returns the card hash of a running card session of terminal; any
// other session (a guest's, an ended one, another terminal's) has none.
func (s *Service) card(ctx context.Context, terminalID, sessionID string) (store.VisitorSession, error) {
	v, err := s.st.VisitorSession(ctx, sessionID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && v.TerminalID != terminalID) {
		return v, fault.NotFound("no session %s on this terminal", sessionID)
	}
	if err != nil {
		return v, fmt.Errorf("mydata: look up session: %w", err)
	}
	switch {
	case !v.EndedAt.IsZero():
		return v, fault.Conflict("session %s has ended; settings are kept only during a card session", sessionID)
	case v.Kind != string(protocol.SessionCard) || v.CardHash == "":
		return v, fault.Conflict("session %s is not a library card session; only card holders can have settings remembered", sessionID)
	}
	return v, nil
}

// Remember keeps set for the card of the session, replacing what was kept.
func (s *Service) Remember(ctx context.Context, terminalID, sessionID string, set protocol.VisitorSettings) (protocol.MyData, error) {
	if err := set.Validate(); err != nil {
		return protocol.MyData{}, fault.Field("settings", "%v", err)
	}
	v, err := s.card(ctx, terminalID, sessionID)
	if err != nil {
		return protocol.MyData{}, err
	}
	data, err := json.Marshal(set)
	if err != nil {
		return protocol.MyData{}, err
	}
	if err := s.st.PutVisitorSettings(ctx, v.CardHash, data, s.Now()); err != nil {
		return protocol.MyData{}, fmt.Errorf("mydata: keep settings: %w", err)
	}
	return s.show(ctx, v)
}

// Show returns what is kept for the card of the session. Asking at a login
// counts as using the settings, which keeps them from expiring.
func (s *Service) Show(ctx context.Context, terminalID, sessionID string) (protocol.MyData, error) {
	v, err := s.card(ctx, terminalID, sessionID)
	if err != nil {
		return protocol.MyData{}, err
	}
	if err := s.st.TouchVisitorSettings(ctx, v.CardHash, s.Now()); err != nil {
		return protocol.MyData{}, fmt.Errorf("mydata: mark settings used: %w", err)
	}
	return s.show(ctx, v)
}

// Forget deletes the settings kept for the card of the session.
func (s *Service) Forget(ctx context.Context, terminalID, sessionID string) (protocol.MyData, error) {
	v, err := s.card(ctx, terminalID, sessionID)
	if err != nil {
		return protocol.MyData{}, err
	}
	if _, err := s.st.DeleteVisitorSettings(ctx, v.CardHash); err != nil {
		return protocol.MyData{}, fmt.Errorf("mydata: delete settings: %w", err)
	}
	return s.show(ctx, v)
}

func (s *Service) show(ctx context.Context, v store.VisitorSession) (protocol.MyData, error) {
	out := protocol.MyData{KeptDays: s.KeepDays, SessionsToday: []protocol.KeptSession{}}
	kept, err := s.st.VisitorSettings(ctx, v.CardHash)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return out, fmt.Errorf("mydata: read settings: %w", err)
	default:
		var set protocol.VisitorSettings
		if err := json.Unmarshal(kept.Settings, &set); err != nil {
			return out, fmt.Errorf("mydata: kept settings are not valid JSON: %w", err)
		}
		out.Settings, out.SettingsSaved = &set, kept.UpdatedAt.UTC()
	}
	sessions, err := s.st.CardSessionsOn(ctx, v.CardHash, v.Day)
	if err != nil {
		return out, fmt.Errorf("mydata: read today's sessions: %w", err)
	}
	now := s.Now()
	for _, x := range sessions {
		end := x.EndsAt
		if !x.EndedAt.IsZero() {
			end = x.EndedAt
		}
		if end.After(now) {
			end = now
		}
		out.SessionsToday = append(out.SessionsToday, protocol.KeptSession{Branch: x.Branch, Started: x.GrantedAt.UTC(),
			Minutes: int(max(0, end.Sub(x.GrantedAt).Round(time.Minute)/time.Minute))})
	}
	return out, nil
}

// Expire deletes the settings unused for KeepDays and returns how many.
func (s *Service) Expire(ctx context.Context) (int, error) {
	n, err := s.st.ExpireVisitorSettings(ctx, s.Now().AddDate(0, 0, -s.KeepDays))
	if err != nil {
		return 0, fmt.Errorf("mydata: expire settings: %w", err)
	}
	return n, nil
}

// Run expires unused settings every interval until ctx ends.
func (s *Service) Run(ctx context.Context, interval time.Duration, log *slog.Logger) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if n, err := s.Expire(ctx); err != nil {
			log.Error("mydata: expire", "err", err)
		} else if n > 0 {
			log.Info("mydata: deleted unused remembered settings", "n", n)
		}
		select {
		case <-t.C:
		case <-ctx.Done():
			return
		}
	}
}
