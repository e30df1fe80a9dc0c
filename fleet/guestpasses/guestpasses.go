// Package guestpasses issues guest passes: batches of one-time codes that
// give a visitor without a library card a session at one branch. Only
// hashes are stored; the codes are shown once, to the staff member who
// made them.
package guestpasses

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"piste/fleet/audit"
	"piste/fleet/auth"
	"piste/fleet/fault"
	"piste/fleet/staff"
	"piste/fleet/store"
)

// Store is the part of the store guest passes use.
type Store interface {
	Branch(ctx context.Context, id string) (store.Branch, error)
	AddGuestPasses(ctx context.Context, hashes []string, branch string, minutes int, validUntil, now time.Time) error
}

// Service issues guest passes.
type Service struct {
	Store Store
	Audit *audit.Log
	Now   func() time.Time
}

// New returns a Service.
func New(st Store, log *audit.Log) *Service { return &Service{Store: st, Audit: log, Now: time.Now} }

// DefaultValidity is how long passes last when the request names no end.
const DefaultValidity = 30 * 24 * time.Hour

// Request asks for a batch.
type Request struct {
	Branch     string
	Count      int
	Minutes    int
	ValidUntil time.Time // zero: DefaultValidity from now
}

// Batch is a batch of new guest passes; the codes are shown once.
type Batch struct {
	Branch     string    `json:"branch"`
	Minutes    int       `json:"minutes"`
	ValidUntil time.Time `json:"valid_until"`
	Codes      []string  `json:"codes"`
}

// Hash is the hash a guest pass code is stored under.
func Hash(code string) string { return auth.HashToken("guest:" + auth.NormalizeCode(code)) }

// Issue makes a batch of passes for a branch m sees.
func (s *Service) Issue(ctx context.Context, m staff.Member, req Request) (Batch, error) {
	if err := m.Need(staff.RoleAdmin); err != nil {
		return Batch{}, err
	}
	now := s.Now()
	if req.ValidUntil.IsZero() {
		req.ValidUntil = now.Add(DefaultValidity)
	}
	switch {
	case !m.CanSee(req.Branch):
		return Batch{}, fault.Field("branch", "you may not make guest passes for branch %q", req.Branch)
	case req.Count < 1 || req.Count > 1000:
		return Batch{}, fault.Field("count", "count must be between 1 and 1000, got %d", req.Count)
	case req.Minutes < 1 || req.Minutes > 1440:
		return Batch{}, fault.Field("minutes", "minutes must be between 1 and 1440, got %d", req.Minutes)
	case !req.ValidUntil.After(now):
		return Batch{}, fault.Field("valid_until", "valid_until must be in the future, got %s", req.ValidUntil.Format(time.RFC3339))
	}
	_, err := s.Store.Branch(ctx, req.Branch)
	if errors.Is(err, store.ErrNotFound) {
		return Batch{}, fault.Field("branch", "branch %q does not exist (piste-fleet branch add)", req.Branch)
	}
	if err != nil {
		return Batch{}, fmt.Errorf("guestpasses: load branch %s: %w", req.Branch, err)
	}
	codes := make([]string, req.Count)
	hashes := make([]string, req.Count)
	for i := range codes {
		codes[i] = auth.NewEnrollCode()[:14] // three groups of four: enough entropy, short to type
		hashes[i] = Hash(codes[i])
	}
	if err := s.Store.AddGuestPasses(ctx, hashes, req.Branch, req.Minutes, req.ValidUntil, now); err != nil {
		return Batch{}, fmt.Errorf("guestpasses: store %d passes: %w", req.Count, err)
	}
	detail := strconv.Itoa(req.Count) + " passes of " + strconv.Itoa(req.Minutes) + " min"
	if err := s.Audit.Record(ctx, m.Name, "guest-passes", req.Branch, detail); err != nil {
		return Batch{}, err
	}
	return Batch{Branch: req.Branch, Minutes: req.Minutes, ValidUntil: req.ValidUntil.UTC(), Codes: codes}, nil
}
