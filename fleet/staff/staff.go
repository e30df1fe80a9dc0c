package staff

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"piste/fleet/audit"
	"piste/fleet/auth"
	"piste/fleet/fault"
	"piste/fleet/store"
)

// Store is the part of the store staff accounts use.
type Store interface {
	AddUser(ctx context.Context, u store.User) error
	UserByName(ctx context.Context, name string) (store.User, error)
	AddStaffSession(ctx context.Context, tokenHash string, userID int64, expires time.Time) error
	UserBySession(ctx context.Context, tokenHash string, now time.Time) (store.User, error)
	DeleteStaffSession(ctx context.Context, tokenHash string) error
	AddBranch(ctx context.Context, b store.Branch) error
	Branch(ctx context.Context, id string) (store.Branch, error)
	Branches(ctx context.Context) ([]store.Branch, error)
	AccountStore
}

// Service manages staff accounts, logins and branches.
type Service struct {
	Store Store
	Audit *audit.Log
	Now   func() time.Time
	// Guard limits password guessing and the memory password checks use.
	Guard *auth.Guard
}

// New returns a Service.
func New(st Store, log *audit.Log) *Service {
	return &Service{Store: st, Audit: log, Now: time.Now, Guard: auth.NewGuard(auth.DefaultLoginMemory)}
}

// Session is a new staff login; the token is shown once.
type Session struct {
	Token     string
	ExpiresAt time.Time
	Member    Member
}

func memberOf(u store.User) Member {
	return Member{ID: u.ID, Name: u.Name, Role: u.Role, Branches: u.Branches, MustChangePassword: u.MustChangePassword}
}

// UnknownName is the audit target of a failed login with a name no account
// has: what was typed may be a password typed in the wrong field.
const UnknownName = "(unknown name)"

// Login checks a name and password sent from a client address and starts
// a session. A wrong name and a wrong password are the same
// ErrUnauthenticated after the same work, so names cannot be probed.
// Guessing is slowed per name and address (an *auth.LimitError says how
// long to wait); both outcomes are audited with the address.
func (s *Service) Login(ctx context.Context, name, password, addr string) (Session, error) {
	if name == "" || password == "" {
		return Session{}, fault.Field("name", "name and password are required")
	}
	attempt, err := s.Guard.Begin(name, addr)
	if err != nil {
		return Session{}, err
	}
	failed := true
	defer func() { attempt.Finish(failed) }()
	u, err := s.Store.UserByName(ctx, name)
	known := err == nil
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		failed = false
		return Session{}, fmt.Errorf("staff: check login of %s: %w", name, err)
	}
	err = s.Guard.Check(ctx, u.PWHash, password) // "" when unknown: a dummy of equal cost
	if errors.Is(err, auth.ErrMismatch) {
		target := UnknownName
		if known {
			target = name
		}
		if err := s.Audit.Record(ctx, target, "login-failed", target, "from "+addr); err != nil {
			return Session{}, err
		}
		return Session{}, fault.Unauthenticated("wrong name or password")
	}
	if err != nil {
		failed = false // not the client's failure: the server was busy or broken
		var limit *auth.LimitError
		if errors.As(err, &limit) {
			return Session{}, err
		}
		return Session{}, fmt.Errorf("staff: check login of %s: %w", name, err)
	}
	failed = false
	if u.Disabled {
		if err := s.Audit.Record(ctx, u.Name, "login-failed", u.Name, "disabled account, from "+addr); err != nil {
			return Session{}, err
		}
		return Session{}, fault.Forbidden("this account is disabled; ask an admin to enable it")
	}
	token := auth.NewToken()
	expires := s.Now().Add(SessionTTL)
	if err := s.Store.AddStaffSession(ctx, auth.HashToken(token), u.ID, expires); err != nil {
		return Session{}, fmt.Errorf("staff: store login of %s: %w", name, err)
	}
	if err := s.Audit.Record(ctx, u.Name, "login", u.Name, "from "+addr); err != nil {
		return Session{}, err
	}
	return Session{Token: token, ExpiresAt: expires, Member: memberOf(u)}, nil
}

// Logout ends the session of a token; an unknown or empty token is
// already logged out.
func (s *Service) Logout(ctx context.Context, token string) error {
	if token == "" {
		return nil
	}
	if err := s.Store.DeleteStaffSession(ctx, auth.HashToken(token)); err != nil {
		return fmt.Errorf("staff: logout: %w", err)
	}
	return nil
}

// Authenticate finds the member behind a session token (a bearer token or
// the session cookie's value).
func (s *Service) Authenticate(ctx context.Context, token string) (Member, error) {
	if token == "" {
		return Member{}, fault.Unauthenticated("log in first")
	}
	u, err := s.Store.UserBySession(ctx, auth.HashToken(token), s.Now())
	if errors.Is(err, store.ErrNotFound) {
		return Member{}, fault.Unauthenticated("log in first: the session is unknown or has expired")
	}
	if err != nil {
		return Member{}, fmt.Errorf("staff: look up session: %w", err)
	}
	return memberOf(u), nil
}

// AddUser creates or replaces a staff account working in branches (none:
// every branch). Replacing an existing account (the server console's
// password reset) is for fleet-wide admins only: a branch admin would
// otherwise take over any account, another branch's or a fleet-wide one,
// by naming it. Staff pages and the API create accounts with
// CreateAccount, which never replaces.
func (s *Service) AddUser(ctx context.Context, by Member, name, role string, branches []string, password string) error {
	if err := by.Need(RoleAdmin); err != nil {
		return err
	}
	if name == "" || len(name) > 64 || strings.ContainsAny(name, " \t\r\n") {
		return fault.Field("name", "name is required: up to 64 characters without spaces")
	}
	if !ValidRole(role) {
		return fault.Field("role", "role must be admin, volunteer or editor, got %q", role)
	}
	branches = slices.Compact(slices.Sorted(slices.Values(branches)))
	for _, b := range branches {
		if err := s.visibleBranch(ctx, by, b); err != nil {
			return err
		}
	}
	if len(branches) == 0 && !by.FleetWide() {
		return fault.Forbidden("your account is limited to %s; it may not make fleet-wide accounts", by.Scope())
	}
	if !by.FleetWide() {
		_, err := s.Store.UserByName(ctx, name)
		if err == nil {
			return fault.Conflict("a staff account named %q exists already; choose another name", name)
		}
		if !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("staff: look up %s: %w", name, err)
		}
	}
	hash, err := auth.HashPassword(password)
	if err != nil {
		return fault.Field("password", "%v", err)
	}
	if err := s.Store.AddUser(ctx, store.User{Name: name, Role: role, Branches: branches, PWHash: hash}); err != nil {
		return fmt.Errorf("staff: add user %s: %w", name, err)
	}
	detail := role
	if len(branches) > 0 {
		detail += " in " + strings.Join(branches, ", ")
	}
	return s.Audit.Record(ctx, by.Name, "user-add", name, detail)
}

// AddBranch adds a library branch; only a fleet-wide admin may.
func (s *Service) AddBranch(ctx context.Context, by Member, b store.Branch) error {
	if err := by.Need(RoleAdmin); err != nil {
		return err
	}
	if !by.FleetWide() {
		return fault.Forbidden("your account is limited to %s; only a fleet-wide admin adds branches", by.Scope())
	}
	if !store.ValidID(b.ID) {
		return fault.Field("id", "id must be 1 to 64 letters, digits, '-', '_' or '.', got %q", b.ID)
	}
	if b.Name == "" || !utf8.ValidString(b.Name) || len(b.Name) > 200 {
		return fault.Field("name", "name is required (at most 200 characters)")
	}
	if _, err := time.LoadLocation(b.TZ); err != nil || b.TZ == "" {
		return fault.Field("tz", "tz %q is not a known time zone (like Europe/Helsinki)", b.TZ)
	}
	err := s.Store.AddBranch(ctx, b)
	if errors.Is(err, store.ErrConflict) {
		return fault.Conflict("branch %q already exists", b.ID)
	}
	if err != nil {
		return fmt.Errorf("staff: add branch %s: %w", b.ID, err)
	}
	return s.Audit.Record(ctx, by.Name, "branch-add", b.ID, b.Name)
}

// Branches lists the branches m sees.
func (s *Service) Branches(ctx context.Context, m Member) ([]store.Branch, error) {
	bs, err := s.Store.Branches(ctx)
	if err != nil {
		return nil, fmt.Errorf("staff: list branches: %w", err)
	}
	out := bs[:0]
	for _, b := range bs {
		if m.CanSee(b.ID) {
			out = append(out, b)
		}
	}
	return out, nil
}

// visibleBranch refuses a branch that does not exist or that m may not see.
func (s *Service) visibleBranch(ctx context.Context, m Member, branch string) error {
	if !m.CanSee(branch) {
		return fault.Field("branch", "you may not act in branch %q", branch)
	}
	_, err := s.Store.Branch(ctx, branch)
	if errors.Is(err, store.ErrNotFound) {
		return fault.Field("branch", "branch %q does not exist (piste-fleet branch add)", branch)
	}
	if err != nil {
		return fmt.Errorf("staff: load branch %s: %w", branch, err)
	}
	return nil
}
