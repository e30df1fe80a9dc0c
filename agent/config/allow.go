package config

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"piste/policies/policy"
)

// Refusal says why a policy asks for more than this terminal allows. It
// names the policy key and the local config file.
type Refusal struct {
	Key  string // the policy key, e.g. "session.kiosk_user"
	File string // the local config that does not allow it
	Msg  string // names Key and File, and what to do
}

func (r *Refusal) Error() string { return "policy refused on this terminal: " + r.Msg }

// Allow reports whether policy p chooses only among what this terminal
// allows: its visitor account, skeleton and extra paths. The account is
// checked against the machine too, as it is at load.
func (c Config) Allow(p policy.Policy) error {
	return c.allow(p.Session.KioskUser, p.Wipe.Skeleton, p.Wipe.ExtraPaths, false)
}

// AllowWipe is Allow at the moment of a wipe: the account is checked
// again, and the skeleton must still be a directory only root can change.
func (c Config) AllowWipe(user, skeleton string, extraPaths []string) error {
	return c.allow(user, skeleton, extraPaths, true)
}

func (c Config) allow(user, skeleton string, extraPaths []string, now bool) error {
	if !slices.Contains(c.VisitorAccounts, user) {
		return c.refuse("session.kiosk_user", "visitor_accounts", user, c.VisitorAccounts)
	}
	if err := checkAccount(user, c.StaffAccounts); err != nil {
		return &Refusal{Key: "session.kiosk_user", File: c.File,
			Msg: fmt.Sprintf("session.kiosk_user: %v (checked by %s)", err, c.File)}
	}
	if !slices.Contains(c.Skeletons, skeleton) {
		return c.refuse("wipe.skeleton", "skeletons", skeleton, c.Skeletons)
	}
	if now {
		if err := checkTrustedDir(skeleton); err != nil {
			return &Refusal{Key: "wipe.skeleton", File: c.File,
				Msg: fmt.Sprintf("wipe.skeleton: %v (skeletons in %s must be directories only root can change)", err, c.File)}
		}
	}
	for i, p := range extraPaths {
		if !c.allowsExtraPath(p) {
			return c.refuse(fmt.Sprintf("wipe.extra_paths[%d]", i), "extra_paths", p, c.ExtraPaths)
		}
	}
	return nil
}

func (c Config) refuse(key, local, value string, allowed []string) *Refusal {
	list := "none"
	if len(allowed) > 0 {
		list = strings.Join(allowed, ", ")
	}
	return &Refusal{Key: key, File: c.File, Msg: fmt.Sprintf(
		"%s %q is not allowed by this terminal's %s in %s (allowed: %s); choose one of those, or have it added there as root on the terminal",
		key, value, local, c.File, list)}
}

// Fit narrows p to what this terminal allows: a kiosk user or skeleton it
// does not allow becomes its first one, and extra paths it does not allow
// are dropped. It is for the policy a terminal starts under, never for a
// policy the fleet sends (that one is refused whole).
func (c Config) Fit(p policy.Policy) policy.Policy {
	if !slices.Contains(c.VisitorAccounts, p.Session.KioskUser) {
		p.Session.KioskUser = c.VisitorAccounts[0]
	}
	if !slices.Contains(c.Skeletons, p.Wipe.Skeleton) {
		p.Wipe.Skeleton = c.Skeletons[0]
	}
	p.Wipe.ExtraPaths = slices.DeleteFunc(slices.Clone(p.Wipe.ExtraPaths), func(path string) bool {
		return !c.allowsExtraPath(path)
	})
	return p
}

// allowsExtraPath reports whether p is one of the extra paths or below
// one; p must be clean, so that ".." cannot climb out.
func (c Config) allowsExtraPath(p string) bool {
	if !filepath.IsAbs(p) || filepath.Clean(p) != p {
		return false
	}
	return slices.ContainsFunc(c.ExtraPaths, func(dir string) bool { return within(p, dir) })
}
