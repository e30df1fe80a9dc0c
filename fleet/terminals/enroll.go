package terminals

import (
	"context"
	"errors"
	"fmt"
	"time"

	"piste/fleet/auth"
	"piste/fleet/fault"
	"piste/fleet/staff"
	"piste/fleet/store"
)

// EnrollCode is a new enrollment code; the code is shown once.
type EnrollCode struct {
	Code      string    `json:"code"`
	Branch    string    `json:"branch"`
	Uses      int       `json:"uses"`
	ExpiresAt time.Time `json:"expires_at"`
}

// NewEnrollCode creates a code with which uses terminals may join a
// branch within ttl.
func (s *Service) NewEnrollCode(ctx context.Context, m staff.Member, branch string, uses int, ttl time.Duration) (EnrollCode, error) {
	if err := m.Need(staff.RoleAdmin); err != nil {
		return EnrollCode{}, err
	}
	if uses < 1 || uses > 100000 {
		return EnrollCode{}, fault.Field("uses", "uses must be between 1 and 100000, got %d", uses)
	}
	if ttl <= 0 || ttl > 365*24*time.Hour {
		return EnrollCode{}, fault.Field("ttl", "ttl must be between 1s and 8760h, got %s", ttl)
	}
	if !m.CanSee(branch) {
		return EnrollCode{}, fault.Field("branch", "you may not enroll terminals in branch %q", branch)
	}
	_, err := s.Store.Branch(ctx, branch)
	if errors.Is(err, store.ErrNotFound) {
		return EnrollCode{}, fault.Field("branch", "branch %q does not exist (piste-fleet branch add)", branch)
	}
	if err != nil {
		return EnrollCode{}, fmt.Errorf("terminals: load branch %s: %w", branch, err)
	}
	code := auth.NewEnrollCode()
	expires := s.Now().Add(ttl)
	if err := s.Store.AddEnrollCode(ctx, auth.HashToken(auth.NormalizeCode(code)), branch, uses, expires); err != nil {
		return EnrollCode{}, fmt.Errorf("terminals: store enrollment code: %w", err)
	}
	detail := fmt.Sprintf("uses %d, ttl %s", uses, ttl)
	if err := s.Audit.Record(ctx, m.Name, "enroll-code", branch, detail); err != nil {
		return EnrollCode{}, err
	}
	return EnrollCode{Code: code, Branch: branch, Uses: uses, ExpiresAt: expires.UTC()}, nil
}
