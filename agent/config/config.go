// Package config is the terminal's local agent config: what the agent, as
// root, may destroy or expose on this machine. It is written by root at
// install, and the fleet's policy may only choose within it, so that a
// taken-over fleet cannot turn the agents against the terminals they run.
package config

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
)

// DefaultPath is where the agent looks for its config when not told.
const DefaultPath = "/etc/piste/agent.yaml"

// Config is a checked local agent config.
type Config struct {
	// File is where the config came from, for messages; the built-in
	// default names the file it stands in for.
	File string
	// VisitorAccounts are the OS accounts a policy may run sessions as and
	// wipe: never root, a system account or a staff account.
	VisitorAccounts []string
	// StaffAccounts are accounts that are never visitor accounts, beyond
	// the members of the staff groups.
	StaffAccounts []string
	// Skeletons are the directories a policy may reset a home to.
	Skeletons []string
	// ExtraPaths are the directories a policy may sweep for the visitor's
	// files (a policy path may also lie below one of them).
	ExtraPaths []string
	// WakeBroadcast are the addresses (IP:port) this terminal sends the
	// Wake-on-LAN packets for its neighbours to, when the fleet's power
	// schedule asks it to; usually the branch network's broadcast address.
	WakeBroadcast []string
	// UpdatePublicKey is the one key a release must be signed with for
	// this terminal to install it (the key line of piste-release.pub).
	// Empty: the terminal installs no updates.
	UpdatePublicKey string
}

// Default is the config a terminal without a config file runs under: the
// shipped policy's visitor account and skeleton, and no extra paths.
func Default() Config {
	return Config{
		File:            DefaultPath + " (absent: built-in default)",
		VisitorAccounts: []string{"piste-visitor"},
		Skeletons:       []string{"/etc/piste/skel"},
		WakeBroadcast:   []string{DefaultWakeBroadcast},
	}
}

// Error is one problem in a config file. It names the key so that the
// admin who wrote the file can find and fix it.
type Error struct {
	File string // the config file; empty when parsing text of no file
	Key  string // e.g. "visitor_accounts[0]"; empty for the whole file
	Line int    // 1-based; 0 when unknown
	Msg  string // names Key where there is one
}

func (e *Error) Error() string {
	s := "agent config"
	if e.File != "" {
		s += " " + e.File
	}
	if e.Line > 0 {
		s += fmt.Sprintf(": line %d", e.Line)
	}
	return s + ": " + e.Msg
}

func errorf(key string, line int, format string, args ...any) *Error {
	return &Error{Key: key, Line: line, Msg: key + " " + fmt.Sprintf(format, args...)}
}

// administrators are names that are never visitor accounts on any system.
var administrators = []string{"root", "administrator", "admin", "system", "toor"}

// check applies the rules that need nothing of the machine. lines holds
// the line of each key and list item, when known.
func (c Config) check(lines map[string]int) error {
	if len(c.VisitorAccounts) == 0 {
		return errorf("visitor_accounts", lines["visitor_accounts"], "must list at least one account, e.g. [piste-visitor]")
	}
	for i, name := range c.StaffAccounts {
		key := fmt.Sprintf("staff_accounts[%d]", i)
		if !isAccountName(name) {
			return errorf(key, lines[key], "must be an account name of letters, digits, '_', '.' or '-' (at most 32), got %q", name)
		}
	}
	for i, name := range c.VisitorAccounts {
		key := fmt.Sprintf("visitor_accounts[%d]", i)
		switch {
		case !isAccountName(name):
			return errorf(key, lines[key], "must be an account name of letters, digits, '_', '.' or '-' (at most 32), got %q", name)
		case slices.Contains(administrators, strings.ToLower(name)):
			return errorf(key, lines[key], "must not be the administrator account %q: a visitor account's home and processes are wiped after every session", name)
		case slices.Contains(c.StaffAccounts, name):
			return errorf(key, lines[key], "%q is also in staff_accounts: a staff account is never a visitor account", name)
		case slices.Index(c.VisitorAccounts, name) < i:
			return errorf(key, lines[key], "lists %q twice", name)
		}
	}
	if len(c.Skeletons) == 0 {
		return errorf("skeletons", lines["skeletons"], "must list at least one directory, e.g. [/etc/piste/skel]")
	}
	if err := checkPaths("skeletons", c.Skeletons, 1, lines); err != nil {
		return err
	}
	if err := checkWakeBroadcast(c.WakeBroadcast, lines); err != nil {
		return err
	}
	return checkPaths("extra_paths", c.ExtraPaths, 2, lines)
}

// checkPaths refuses paths that are relative, unclean or fewer than
// minDepth folders below the root: sweeping /home or /var would reach far
// beyond one visitor.
func checkPaths(section string, paths []string, minDepth int, lines map[string]int) error {
	for i, p := range paths {
		key := fmt.Sprintf("%s[%d]", section, i)
		switch {
		case p == "" || !filepath.IsAbs(p) || filepath.Clean(p) != p || strings.ContainsRune(p, 0):
			return errorf(key, lines[key], "must be a clean absolute path like /var/tmp/piste, got %q", p)
		case depth(p) < minDepth:
			return errorf(key, lines[key], "is %q, too near the root of the disk; name a folder at least %d levels deep", p, minDepth)
		case slices.Index(paths, p) < i:
			return errorf(key, lines[key], "lists %q twice", p)
		}
	}
	return nil
}

// depth counts the folders in a clean absolute path: "/" 0, "/var" 1.
func depth(p string) int {
	p = filepath.ToSlash(strings.TrimPrefix(p, filepath.VolumeName(p)))
	return len(strings.FieldsFunc(p, func(r rune) bool { return r == '/' }))
}

func isAccountName(s string) bool {
	if s == "" || len(s) > 32 || s[0] == '-' || s[0] == '.' {
		return false
	}
	for _, r := range s {
		ok := r == '_' || r == '.' || r == '-' || ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') || ('0' <= r && r <= '9')
		if !ok {
			return false
		}
	}
	return true
}

// within reports whether p is dir or below it.
func within(p, dir string) bool {
	return p == dir || strings.HasPrefix(p, strings.TrimSuffix(dir, string(filepath.Separator))+string(filepath.Separator))
}
