package policy

import (
	"fmt"
	"regexp"
	"strings"
)

// ScopeKind is how wide a policy layer reaches.
type ScopeKind string

// The scopes, broadest first; Merge takes layers in this order.
const (
	ScopeFleet    ScopeKind = "fleet"
	ScopeBranch   ScopeKind = "branch"
	ScopeGroup    ScopeKind = "group"
	ScopeTerminal ScopeKind = "terminal"
)

var scopeOrder = []ScopeKind{ScopeFleet, ScopeBranch, ScopeGroup, ScopeTerminal}

// Scope names where a policy layer applies: the whole fleet, one branch,
// one group of terminals or one terminal.
type Scope struct {
	Kind ScopeKind
	ID   string // empty for the fleet
}

var scopeID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

const scopeHelp = "use fleet, branch:ID, group:ID or terminal:ID"

// ParseScope reads a scope as the CLI writes it: "fleet", "branch:ID",
// "group:ID" or "terminal:ID".
func ParseScope(s string) (Scope, error) {
	kind, id, hasID := strings.Cut(s, ":")
	sc := Scope{Kind: ScopeKind(kind), ID: id}
	switch {
	case sc.Kind == ScopeFleet && hasID:
		return Scope{}, fmt.Errorf("policy: scope %q: the fleet scope takes no id; write fleet", s)
	case sc.Kind == ScopeFleet:
		return sc, nil
	case sc.Kind != ScopeBranch && sc.Kind != ScopeGroup && sc.Kind != ScopeTerminal:
		return Scope{}, fmt.Errorf("policy: unknown scope %q; %s", s, scopeHelp)
	case id == "":
		return Scope{}, fmt.Errorf("policy: scope %q needs an id, like %s:kallio", s, kind)
	case !scopeID.MatchString(id):
		return Scope{}, fmt.Errorf("policy: scope %q: the id may hold only letters, digits, '.', '_' and '-' (at most 64), starting with a letter or digit", s)
	}
	return sc, nil
}

// String writes s as ParseScope reads it.
func (s Scope) String() string {
	if s.Kind == ScopeFleet {
		return string(ScopeFleet)
	}
	return string(s.Kind) + ":" + s.ID
}

// Rank orders scopes broadest first (fleet 0 ... terminal 3), the order in
// which their layers are merged.
func (s Scope) Rank() int {
	for i, k := range scopeOrder {
		if k == s.Kind {
			return i
		}
	}
	return len(scopeOrder)
}

// MarshalText writes s as ParseScope reads it, for JSON and flags.
func (s Scope) MarshalText() ([]byte, error) {
	return []byte(s.String()), nil
}

// UnmarshalText reads s with ParseScope.
func (s *Scope) UnmarshalText(b []byte) error {
	v, err := ParseScope(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}
