// Package staff is the fleet's staff: accounts and their roles, login
// sessions, the branches they work in, and Member, the acting staff member
// every domain action takes, with the one rule of which branches a member
// sees.
package staff

import (
	"slices"
	"strings"
	"time"

	"piste/fleet/fault"
)

// Roles of staff accounts.
const (
	RoleAdmin     = "admin"
	RoleVolunteer = "volunteer"
	RoleEditor    = "editor"
)

// ValidRole reports whether r is a known role.
func ValidRole(r string) bool { return r == RoleAdmin || r == RoleVolunteer || r == RoleEditor }

// SessionCookie is the browser's login cookie.
const SessionCookie = "piste_session"

// SessionTTL is how long a staff login lasts.
const SessionTTL = 12 * time.Hour

// Member is a staff member acting on the fleet.
type Member struct {
	ID       int64
	Name     string
	Role     string
	Branches []string // the branches the member works in; none: every branch
}

// CLI is the admin at the server's console: fleet-wide, recorded as "cli".
var CLI = Member{Name: "cli", Role: RoleAdmin}

// CanSee reports whether m may see a branch and what is in it: a
// branch-scoped member sees only their own branches.
func (m Member) CanSee(branch string) bool {
	return m.FleetWide() || slices.Contains(m.Branches, branch)
}

// FleetWide reports whether m is bound to no branch.
func (m Member) FleetWide() bool { return len(m.Branches) == 0 }

// HomeBranch is the one branch of a member scoped to exactly one, else "":
// the default where an action needs a branch and none was named.
func (m Member) HomeBranch() string {
	if len(m.Branches) == 1 {
		return m.Branches[0]
	}
	return ""
}

// Scope describes m's branches for messages: "branch kallio",
// "branches kallio, oodi" or "every branch".
func (m Member) Scope() string {
	switch len(m.Branches) {
	case 0:
		return "every branch"
	case 1:
		return "branch " + m.Branches[0]
	}
	return "branches " + strings.Join(m.Branches, ", ")
}

// Serves reports whether m may act for visitors of a branch: an admin who
// sees it, or a volunteer of that very branch.
func (m Member) Serves(branch string) bool {
	switch m.Role {
	case RoleAdmin:
		return m.CanSee(branch)
	case RoleVolunteer:
		return slices.Contains(m.Branches, branch)
	}
	return false
}

// Need refuses a member without one of the roles.
func (m Member) Need(roles ...string) error {
	for _, r := range roles {
		if m.Role == r {
			return nil
		}
	}
	if len(roles) == 1 {
		return fault.Forbidden("this needs the %s role; you are %s", roles[0], m.Role)
	}
	return fault.Forbidden("this needs the %s or %s role; you are %s", roles[0], roles[1], m.Role)
}
