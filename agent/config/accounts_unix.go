//go:build !windows

package config

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/user"
	"slices"
	"strconv"
	"strings"
)

// loginDefs is where the system says which uids are ordinary accounts.
var loginDefs = "/etc/login.defs"

// StaffGroups are the groups whose members administer the machine; none of
// them is ever a visitor account.
var StaffGroups = []string{"root", "sudo", "wheel", "adm", "admin"}

// checkAccount applies the visitor account rules to an account of this
// machine: not root, not a system account (uid outside UID_MIN..UID_MAX of
// login.defs, which also keeps out nobody), not a staff account. An
// account that does not exist yet passes: a wipe of it fails on its own,
// and it is checked again each time it is used.
func checkAccount(name string, staff []string) error {
	if slices.Contains(staff, name) {
		return fmt.Errorf("%q is listed in staff_accounts: a staff account is never a visitor account", name)
	}
	u, err := user.Lookup(name)
	var unknown user.UnknownUserError
	if errors.As(err, &unknown) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("%q: look up the account: %w", name, err)
	}
	uid, err := strconv.ParseUint(u.Uid, 10, 32)
	if err != nil {
		return fmt.Errorf("%q has uid %q, not a number", name, u.Uid)
	}
	lo, hi := uidRange()
	switch {
	case uid == 0:
		return fmt.Errorf("%q is root (uid 0): a visitor account's home and processes are wiped after every session", name)
	case uid < lo || uid > hi:
		return fmt.Errorf("%q is a system account (uid %d is outside UID_MIN %d..UID_MAX %d of %s): make an ordinary account for visitors", name, uid, lo, hi, loginDefs)
	}
	group, err := staffGroup(u)
	if err != nil {
		return fmt.Errorf("%q: %w", name, err)
	}
	if group != "" {
		return fmt.Errorf("%q is a staff account (a member of group %s): make a separate account for visitors", name, group)
	}
	return nil
}

// staffGroup returns a staff group the account belongs to, or "".
func staffGroup(u *user.User) (string, error) {
	gids, err := u.GroupIds()
	if err != nil {
		return "", fmt.Errorf("list the account's groups: %w", err)
	}
	if !slices.Contains(gids, u.Gid) {
		gids = append(gids, u.Gid)
	}
	for _, gid := range gids {
		if gid == "0" {
			return "root", nil
		}
		g, err := user.LookupGroupId(gid)
		if err != nil {
			continue // a group without a name is no staff group
		}
		if slices.Contains(StaffGroups, g.Name) {
			return g.Name, nil
		}
	}
	return "", nil
}

// uidRange reads UID_MIN and UID_MAX from login.defs, with the usual
// defaults where the file or a key is missing.
func uidRange() (lo, hi uint64) {
	lo, hi = 1000, 60000
	f, err := os.Open(loginDefs)
	if err != nil {
		return lo, hi
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 {
			continue
		}
		v, err := strconv.ParseUint(fields[1], 10, 32)
		if err != nil {
			continue
		}
		switch fields[0] {
		case "UID_MIN":
			lo = v
		case "UID_MAX":
			hi = v
		}
	}
	return lo, hi
}
