package terminals

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"piste/fleet/auth"
	"piste/fleet/changes"
	"piste/fleet/fault"
	"piste/fleet/protocol"
	"piste/fleet/staff"
	"piste/fleet/store"
)

// BulkStore is the part of the store bulk actions use.
type BulkStore interface {
	AddBulk(ctx context.Context, b store.BulkAction, cmds []store.Command) error
	BulkProgress(ctx context.Context, id string, branches []string) (store.BulkAction, map[string]int, error)
}

// BulkTypes are the commands that may go to many terminals at once.
var BulkTypes = []string{protocol.CommandMessage, protocol.CommandLock, protocol.CommandUnlock,
	protocol.CommandRestartAgent, protocol.CommandWipe, protocol.CommandReboot}

// MaxBulk bounds the terminals of one bulk action.
const MaxBulk = 100000

// BulkRequest is one command for terminals picked by a filter or by id.
type BulkRequest struct {
	// Filter picks the terminals the list shows for it; Terminals names
	// them instead. Exactly one is given.
	Filter    *Query
	Terminals []string
	Type      string
	// Texts is a message's text by language (fi, sv, en); the terminals
	// show every language given, Finnish first.
	Texts map[string]string
	TTL   time.Duration
	// Confirm is the count the admin was shown and agreed to; the action
	// is refused when the selection no longer has that many terminals.
	Confirm int
	// DryRun only counts the selection.
	DryRun bool
}

// BulkResult is a queued (or counted) bulk action.
type BulkResult struct {
	ID    string `json:"id,omitempty"`
	Count int    `json:"count"`
}

// messageLanguages are the languages of a message, in the order shown.
var messageLanguages = []string{"fi", "sv", "en"}

// text joins a message's languages into the one text a terminal shows.
func (r BulkRequest) text() (string, error) {
	var parts []string
	for lang := range r.Texts {
		if !slices.Contains(messageLanguages, lang) {
			return "", fault.Field("texts", "texts are by language fi, sv or en, got %q", lang)
		}
	}
	for _, lang := range messageLanguages {
		if t := strings.TrimSpace(r.Texts[lang]); t != "" {
			parts = append(parts, t)
		}
	}
	return strings.Join(parts, "\n\n"), nil
}

// Bulk queues one command for every terminal m picked and records one
// audit entry listing them.
func (s *Service) Bulk(ctx context.Context, m staff.Member, r BulkRequest) (BulkResult, error) {
	if err := m.Need(staff.RoleAdmin); err != nil {
		return BulkResult{}, err
	}
	if !slices.Contains(BulkTypes, r.Type) {
		return BulkResult{}, fault.Field("type", "type must be one of %v, got %q", BulkTypes, r.Type)
	}
	text, err := r.text()
	if err != nil {
		return BulkResult{}, err
	}
	if r.Type != protocol.CommandMessage && text != "" {
		return BulkResult{}, fault.Field("texts", "only a message has texts")
	}
	req := CommandRequest{Type: r.Type, Text: text, TTL: r.TTL}
	if err := req.check(); err != nil {
		if fe, ok := fault.AsField(err); ok && fe.Field == "text" {
			return BulkResult{}, fault.Field("texts", "%s", fe.Reason)
		}
		return BulkResult{}, err
	}
	ids, err := s.bulkTargets(ctx, m, r)
	if err != nil {
		return BulkResult{}, err
	}
	if r.DryRun {
		return BulkResult{Count: len(ids)}, nil
	}
	if r.Confirm != len(ids) {
		return BulkResult{}, fault.Conflict("the selection has %d terminals, not the %d confirmed; confirm again", len(ids), r.Confirm)
	}
	return s.queueBulk(ctx, m, req, ids)
}

// bulkTargets resolves the selection to terminal ids m sees.
func (s *Service) bulkTargets(ctx context.Context, m staff.Member, r BulkRequest) ([]string, error) {
	if (r.Filter == nil) == (r.Terminals == nil) {
		return nil, fault.Field("filter", "give either filter or terminals")
	}
	var ids []string
	if r.Filter != nil {
		var err error
		if ids, err = s.Matching(ctx, m, *r.Filter); err != nil {
			return nil, err
		}
	} else {
		if len(r.Terminals) > MaxBulk {
			return nil, fault.Field("terminals", "at most %d terminals at once", MaxBulk)
		}
		seen := map[string]bool{}
		for _, id := range r.Terminals {
			if seen[id] {
				continue
			}
			seen[id] = true
			t, err := s.Terminal(ctx, m, id)
			if errors.Is(err, fault.ErrNotFound) {
				return nil, fault.Field("terminals", "no terminal %q", id)
			}
			if err != nil {
				return nil, err
			}
			if t.Revoked {
				return nil, fault.Field("terminals", "terminal %s is revoked", id)
			}
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil, fault.Field("filter", "no terminals selected")
	}
	if len(ids) > MaxBulk {
		return nil, fault.Field("filter", "the selection has %d terminals; at most %d at once", len(ids), MaxBulk)
	}
	return ids, nil
}

func (s *Service) queueBulk(ctx context.Context, m staff.Member, req CommandRequest, ids []string) (BulkResult, error) {
	ttl := req.TTL
	if ttl == 0 {
		ttl = s.DefaultCommandTTL
	}
	now := s.Now()
	b := store.BulkAction{ID: "b-" + auth.NewID(8), Type: req.Type, Text: req.Text, CreatedBy: m.Name, CreatedAt: now, Count: len(ids)}
	cmds := make([]store.Command, len(ids))
	for i, id := range ids {
		cmds[i] = store.Command{ID: "c-" + auth.NewID(8), TerminalID: id, Type: req.Type, Text: req.Text,
			CreatedBy: m.Name, CreatedAt: now, ExpiresAt: now.Add(ttl)}
	}
	if err := s.Store.AddBulk(ctx, b, cmds); err != nil {
		return BulkResult{}, fmt.Errorf("terminals: queue bulk %s for %d terminals: %w", req.Type, len(ids), err)
	}
	detail := fmt.Sprintf("%d terminals: %s", len(ids), strings.Join(ids, " "))
	if req.Text != "" {
		detail = fmt.Sprintf("%q to %s", req.Text, detail)
	}
	// Recorded before delivery, as for one terminal.
	if err := s.Audit.Record(ctx, m.Name, "bulk:"+req.Type, "bulk:"+b.ID, detail); err != nil {
		return BulkResult{}, err
	}
	for _, c := range cmds {
		s.Changes.Publish(changes.Change{Kind: changes.CommandQueued, Terminal: c.TerminalID, Command: c.ID})
	}
	return BulkResult{ID: b.ID, Count: len(ids)}, nil
}

// BulkProgress is how far a bulk action got on the terminals m sees.
type BulkProgress struct {
	store.BulkAction
	Statuses map[string]int `json:"statuses"`
}

// Progress returns a bulk action's progress; one with no terminal m sees
// is not found.
func (s *Service) Progress(ctx context.Context, m staff.Member, id string) (BulkProgress, error) {
	if err := m.Need(staff.RoleAdmin); err != nil {
		return BulkProgress{}, err
	}
	b, st, err := s.Store.BulkProgress(ctx, id, Scope(m))
	if errors.Is(err, store.ErrNotFound) || err == nil && len(st) == 0 {
		return BulkProgress{}, fault.NotFound("no bulk action %q", id)
	}
	if err != nil {
		return BulkProgress{}, fmt.Errorf("terminals: progress of %s: %w", id, err)
	}
	if !m.FleetWide() {
		b.Count = 0
		for _, n := range st {
			b.Count += n
		}
	}
	return BulkProgress{BulkAction: b, Statuses: st}, nil
}
