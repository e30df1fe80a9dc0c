package terminals

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
	"unicode/utf8"

	"piste/fleet/auth"
	"piste/fleet/changes"
	"piste/fleet/fault"
	"piste/fleet/protocol"
	"piste/fleet/staff"
	"piste/fleet/store"
)

// maxMessageRunes bounds a message so it fits on a kiosk screen.
const maxMessageRunes = 500

// CommandRequest is an admin's instruction for one terminal.
type CommandRequest struct {
	Type string
	Text string
	// Texts is a message's text per language; a message needs Text or
	// Texts, and Text is shown in a language Texts lacks.
	Texts map[string]string
	TTL   time.Duration // 0: the service's default
}

func (req CommandRequest) check() error {
	if !slices.Contains(protocol.CommandTypes, req.Type) {
		return fault.Field("type", "type must be one of %v, got %q", protocol.CommandTypes, req.Type)
	}
	if req.Type == protocol.CommandMessage && req.Text == "" && len(req.Texts) == 0 {
		return fault.Field("text", "a message command needs text, or texts per language")
	}
	if err := protocol.CheckMessageTexts(req.Texts, maxMessageRunes); err != nil {
		return fault.Field("texts", "%v", err)
	}
	if utf8.RuneCountInString(req.Text) > maxMessageRunes || !utf8.ValidString(req.Text) {
		return fault.Field("text", "text must be valid UTF-8 of at most %d characters", maxMessageRunes)
	}
	if req.TTL < 0 || req.TTL > 30*24*time.Hour {
		return fault.Field("ttl", "ttl must be a duration between 1s and 720h, like 10m, got %s", req.TTL)
	}
	return nil
}

// SendCommand queues a command for a terminal and hands it to the link.
func (s *Service) SendCommand(ctx context.Context, m staff.Member, id string, req CommandRequest) (store.Command, error) {
	t, err := s.Terminal(ctx, m, id)
	if err != nil {
		return store.Command{}, err
	}
	if err := req.check(); err != nil {
		return store.Command{}, err
	}
	if t.Revoked {
		return store.Command{}, fault.Conflict("terminal %s is revoked; enroll it again", t.ID)
	}
	ttl := req.TTL
	if ttl == 0 {
		ttl = s.DefaultCommandTTL
	}
	now := s.Now()
	cmd := store.Command{ID: "c-" + auth.NewID(8), TerminalID: t.ID, Type: req.Type, Text: req.Text, Texts: req.Texts,
		Status: store.CommandQueued, CreatedBy: m.Name, CreatedAt: now, ExpiresAt: now.Add(ttl)}
	if err := s.Store.AddCommand(ctx, cmd); err != nil {
		return cmd, fmt.Errorf("terminals: queue %s for %s: %w", req.Type, t.ID, err)
	}
	// The record comes before delivery: a command nobody can account
	// for is not sent.
	if err := s.Audit.Record(ctx, m.Name, "command:"+req.Type, t.ID, req.Text); err != nil {
		return cmd, err
	}
	s.Changes.Publish(changes.Change{Kind: changes.CommandQueued, Terminal: t.ID, Branch: t.Branch, Command: cmd.ID})
	return cmd, nil
}

// Command returns a command sent to a terminal m sees.
func (s *Service) Command(ctx context.Context, m staff.Member, id string) (store.Command, error) {
	if err := m.Need(staff.RoleAdmin); err != nil {
		return store.Command{}, err
	}
	c, err := s.Store.Command(ctx, id)
	if err == nil {
		if _, terr := s.Terminal(ctx, m, c.TerminalID); terr != nil {
			err = terr
		}
	}
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, fault.ErrNotFound) {
		return store.Command{}, fault.NotFound("no command %q", id)
	}
	if err != nil {
		return store.Command{}, fmt.Errorf("terminals: load command %s: %w", id, err)
	}
	return c, nil
}
