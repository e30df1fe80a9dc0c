package staff

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"piste/fleet/auth"
	"piste/fleet/fault"
	"piste/fleet/store"
)

// AccountStore is the part of the store staff management uses.
type AccountStore interface {
	Users(ctx context.Context) ([]store.User, error)
	CreateUser(ctx context.Context, u store.User, mustChange bool) error
	SetUserAccess(ctx context.Context, name, role string, branches []string) error
	SetUserDisabled(ctx context.Context, name string, disabled bool, now time.Time) error
	SetUserPassword(ctx context.Context, name, hash string, mustChange bool) error
	ChangeOwnPassword(ctx context.Context, name, hash, keepTokenHash string) error
}

// manages reports whether by may manage account u: a fleet-wide admin any
// account, a branch admin only accounts that work in its branches alone
// (never a fleet-wide one, never one that also works elsewhere).
func (by Member) manages(u store.User) bool {
	if by.Role != RoleAdmin {
		return false
	}
	if by.FleetWide() {
		return true
	}
	return len(u.Branches) > 0 && !slices.ContainsFunc(u.Branches, func(b string) bool { return !by.CanSee(b) })
}

// Accounts lists the staff accounts by may manage.
func (s *Service) Accounts(ctx context.Context, by Member) ([]store.User, error) {
	if err := by.Need(RoleAdmin); err != nil {
		return nil, err
	}
	all, err := s.Store.Users(ctx)
	if err != nil {
		return nil, fmt.Errorf("staff: list accounts: %w", err)
	}
	out := []store.User{}
	for _, u := range all {
		if by.manages(u) {
			out = append(out, u)
		}
	}
	return out, nil
}

// account finds an account by may manage; another branch's account is
// not found, as if it did not exist.
func (s *Service) account(ctx context.Context, by Member, name string) (store.User, error) {
	if err := by.Need(RoleAdmin); err != nil {
		return store.User{}, err
	}
	u, err := s.Store.UserByName(ctx, name)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !by.manages(u)) {
		return u, fault.NotFound("no staff account %q in %s", name, by.Scope())
	}
	if err != nil {
		return u, fmt.Errorf("staff: account %s: %w", name, err)
	}
	return u, nil
}

// checkAccess checks a role and branch list by may give, sorted.
func (s *Service) checkAccess(ctx context.Context, by Member, role string, branches []string) ([]string, error) {
	if !ValidRole(role) {
		return nil, fault.Field("role", "role must be admin, volunteer or editor, got %q", role)
	}
	branches = slices.Compact(slices.Sorted(slices.Values(branches)))
	for _, b := range branches {
		if err := s.visibleBranch(ctx, by, b); err != nil {
			return nil, err
		}
	}
	if len(branches) == 0 && !by.FleetWide() {
		return nil, fault.Forbidden("your account is limited to %s; it may not make fleet-wide accounts", by.Scope())
	}
	return branches, nil
}

// CreateAccount adds a staff account with a one-time password, returned
// to show once; the new member must choose their own at first login.
func (s *Service) CreateAccount(ctx context.Context, by Member, name, role string, branches []string) (string, error) {
	if err := by.Need(RoleAdmin); err != nil {
		return "", err
	}
	if name == "" || len(name) > 64 || !utf8.ValidString(name) || strings.IndexFunc(name, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r) || r == '/'
	}) >= 0 {
		return "", fault.Field("name", "name is required: up to 64 characters, without spaces, control characters or /")
	}
	branches, err := s.checkAccess(ctx, by, role, branches)
	if err != nil {
		return "", err
	}
	temp := auth.NewEnrollCode()
	hash, err := auth.HashPassword(temp)
	if err != nil {
		return "", err
	}
	err = s.Store.CreateUser(ctx, store.User{Name: name, Role: role, Branches: branches, PWHash: hash}, true)
	if errors.Is(err, store.ErrConflict) {
		return "", fault.Conflict("a staff account named %q exists already; choose another name", name)
	}
	if err != nil {
		return "", fmt.Errorf("staff: add account %s: %w", name, err)
	}
	return temp, s.Audit.Record(ctx, by.Name, "user-add", name, accessText(role, branches))
}

// SetAccess changes an account's role and branches; its logins end.
func (s *Service) SetAccess(ctx context.Context, by Member, name, role string, branches []string) error {
	u, err := s.account(ctx, by, name)
	if err != nil {
		return err
	}
	if u.Name == by.Name {
		return fault.Forbidden("you cannot change your own role or branches; ask another admin")
	}
	branches, err = s.checkAccess(ctx, by, role, branches)
	if err != nil {
		return err
	}
	if err := s.Store.SetUserAccess(ctx, name, role, branches); err != nil {
		return fmt.Errorf("staff: change account %s: %w", name, err)
	}
	return s.Audit.Record(ctx, by.Name, "user-update", name,
		accessText(u.Role, u.Branches)+" -> "+accessText(role, branches))
}

// SetDisabled disables an account (its logins end at once) or enables it.
func (s *Service) SetDisabled(ctx context.Context, by Member, name string, disabled bool) error {
	u, err := s.account(ctx, by, name)
	if err != nil {
		return err
	}
	if u.Name == by.Name {
		return fault.Forbidden("you cannot disable or enable your own account")
	}
	if err := s.Store.SetUserDisabled(ctx, name, disabled, s.Now()); err != nil {
		return fmt.Errorf("staff: disable account %s: %w", name, err)
	}
	action := "user-enable"
	if disabled {
		action = "user-disable"
	}
	return s.Audit.Record(ctx, by.Name, action, name, "")
}

// ResetPassword gives an account a one-time password, returned to show
// once; its logins end, and the member must choose a new password at the
// next login.
func (s *Service) ResetPassword(ctx context.Context, by Member, name string) (string, error) {
	u, err := s.account(ctx, by, name)
	if err != nil {
		return "", err
	}
	if u.Name == by.Name {
		return "", fault.Forbidden("change your own password instead of resetting it")
	}
	temp := auth.NewEnrollCode()
	hash, err := auth.HashPassword(temp)
	if err != nil {
		return "", err
	}
	if err := s.Store.SetUserPassword(ctx, name, hash, true); err != nil {
		return "", fmt.Errorf("staff: reset password of %s: %w", name, err)
	}
	return temp, s.Audit.Record(ctx, by.Name, "password-reset", name, "")
}

// ChangePassword sets the password of the member behind token, who proves
// the current one; it clears a reset's must-change mark and ends the
// member's other logins.
func (s *Service) ChangePassword(ctx context.Context, m Member, token, current, next string) error {
	u, err := s.Store.UserByName(ctx, m.Name)
	if err != nil {
		return fmt.Errorf("staff: change password of %s: %w", m.Name, err)
	}
	// Guessing the current password is slowed as guessing at login is.
	attempt, err := s.Guard.Begin(m.Name, "password-change")
	if err != nil {
		return err
	}
	err = s.Guard.Check(ctx, u.PWHash, current)
	attempt.Finish(errors.Is(err, auth.ErrMismatch))
	if errors.Is(err, auth.ErrMismatch) {
		return fault.Field("current", "the current password is wrong")
	} else if err != nil {
		return fmt.Errorf("staff: check password of %s: %w", m.Name, err)
	}
	if next == current {
		return fault.Field("new", "choose a password different from the current one")
	}
	hash, err := auth.HashPassword(next)
	if err != nil {
		return fault.Field("new", "%v", err)
	}
	if err := s.Store.ChangeOwnPassword(ctx, m.Name, hash, auth.HashToken(token)); err != nil {
		return fmt.Errorf("staff: change password of %s: %w", m.Name, err)
	}
	return s.Audit.Record(ctx, m.Name, "password-change", m.Name, "")
}

func accessText(role string, branches []string) string {
	if len(branches) == 0 {
		return role + " in every branch"
	}
	return role + " in " + strings.Join(branches, ", ")
}
