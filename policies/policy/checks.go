package policy

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// This file holds the checks on single keys and the rules between keys.
// Each names the key and says what a valid value looks like.

func between(lo, hi int) func(key string, v int) error {
	return func(key string, v int) error {
		if v < lo || v > hi {
			return errorf(key, 0, "must be between %d and %d, got %d", lo, hi, v)
		}
		return nil
	}
}

func oneOf[T ~string](allowed ...T) func(key string, v T) error {
	return func(key string, v T) error {
		if slices.Contains(allowed, v) {
			return nil
		}
		names := make([]string, len(allowed))
		for i, a := range allowed {
			names[i] = string(a)
		}
		return errorf(key, 0, "must be one of %s, got %q", strings.Join(names, ", "), v)
	}
}

var usernamePattern = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}$`)

// checkUsername refuses names that are not plain account names, and the
// administrator accounts: the wipe resets this account's home.
func checkUsername(key, v string) error {
	if !usernamePattern.MatchString(v) {
		return errorf(key, 0, "must be an account name of letters, digits, '_', '.' or '-' (at most 32), got %q", v)
	}
	switch strings.ToLower(v) {
	case "root", "administrator", "system", "admin":
		return errorf(key, 0, "must not be the administrator account %q: its home is wiped after every visitor", v)
	}
	return nil
}

func checkMoney(key string, v Money) error {
	if v < 0 || v > maxMoney {
		return errorf(key, 0, "must be between 0.00 and %s, got %s", maxMoney, v)
	}
	return nil
}

func checkWarnMinutes(key string, v []int) error {
	if len(v) > 10 {
		return errorf(key, 0, "lists %d warnings; keep it to at most 10", len(v))
	}
	inRange := between(1, 1440)
	for i, m := range v {
		if err := inRange(fmt.Sprintf("%s[%d]", key, i), m); err != nil {
			return err
		}
	}
	return nil
}

func checkSkeleton(key, v string) error {
	if !isAbs(v) {
		return errorf(key, 0, "must be an absolute path like /etc/piste/skel, got %q", v)
	}
	return nil
}

// checkExtraPaths refuses relative paths and paths one step from the root
// (/home, /tmp, C:\Users): wiping those would destroy far more than one
// visitor's leftovers.
func checkExtraPaths(key string, v []string) error {
	for i, p := range v {
		k := fmt.Sprintf("%s[%d]", key, i)
		if !isAbs(p) {
			return errorf(k, 0, "must be an absolute path like /var/tmp/piste-visitor, got %q", p)
		}
		if depth(p) < 2 {
			return errorf(k, 0, "is %q, too near the root of the disk to wipe; name a folder at least two levels deep", p)
		}
	}
	return nil
}

// isAbs accepts absolute paths of both Linux and Windows terminals, since
// the fleet checks policies for either on any OS.
func isAbs(p string) bool {
	if strings.HasPrefix(p, "/") {
		return true
	}
	return len(p) >= 3 && isLetter(p[0]) && p[1] == ':' && (p[2] == '\\' || p[2] == '/')
}

func isLetter(b byte) bool {
	return ('a' <= b && b <= 'z') || ('A' <= b && b <= 'Z')
}

// depth counts the folders in a cleaned absolute path: "/" 0, "/home" 1,
// "C:\Users\x" 2.
func depth(p string) int {
	if !strings.HasPrefix(p, "/") {
		p = strings.ReplaceAll(p[2:], `\`, "/")
	}
	clean := path.Clean("/" + p)
	if clean == "/" {
		return 0
	}
	return strings.Count(clean, "/")
}

func checkTimezone(key, v string) error {
	if v == "" || v == "Local" {
		return errorf(key, 0, "must name a time zone like Europe/Helsinki, got %q", v)
	}
	if _, err := loadLocation(v); err != nil {
		return errorf(key, 0, "must name a time zone like Europe/Helsinki, got %q (unknown zone)", v)
	}
	return nil
}

// checkWeekly catches what JSON or code could put in a schedule that the
// YAML parser never would: unknown days, intervals out of order.
func checkWeekly(key string, w Weekly) error {
	for d, h := range w {
		if !slices.Contains(Days, d) {
			return errorf(joinKey(key, string(d)), 0, "is not a day; use mon, tue, wed, thu, fri, sat or sun")
		}
		if err := h.check(); err != nil {
			return errorf(joinKey(key, string(d)), 0, "%q: %v", h, err)
		}
	}
	return nil
}

func checkExceptions(key string, v []Exception) error {
	seen := map[Date]bool{}
	for i, e := range v {
		item := fmt.Sprintf("%s[%d]", key, i)
		if seen[e.Date] {
			return errorf(item+".date", 0, "repeats %s; give each date once", e.Date)
		}
		seen[e.Date] = true
		if _, err := ParseDate(e.Date.String()); err != nil {
			return errorf(item+".date", 0, "must be a date like 2026-12-24, got %q", e.Date)
		}
		if err := e.Hours.check(); err != nil {
			return errorf(item+".hours", 0, "%q: %v", e.Hours, err)
		}
		if len(e.Note) > 200 {
			return errorf(item+".note", 0, "is %d bytes long; keep it under 200", len(e.Note))
		}
	}
	return nil
}

// crossChecks are the rules between keys, checked on the merged policy
// because different layers may set the keys involved.
func crossChecks(p Policy) []error {
	s := p.Session
	var errs []error
	if s.WalkupMinutes > s.MaxMinutes {
		errs = append(errs, errorf("session.walkup_minutes", 0, "(%d) must not exceed session.max_minutes (%d)", s.WalkupMinutes, s.MaxMinutes))
	}
	if s.DailyMinutes < s.MaxMinutes {
		errs = append(errs, errorf("session.daily_minutes", 0, "(%d) must be at least session.max_minutes (%d)", s.DailyMinutes, s.MaxMinutes))
	}
	for i, m := range s.WarnMinutes {
		key := fmt.Sprintf("session.warn_minutes[%d]", i)
		if m >= s.MaxMinutes {
			errs = append(errs, errorf(key, 0, "(%d) must be below session.max_minutes (%d)", m, s.MaxMinutes))
		}
		if i > 0 && m >= s.WarnMinutes[i-1] {
			errs = append(errs, errorf(key, 0, "(%d) must be smaller than the warning before it (%d); list warnings from the earliest, like [5, 1]", m, s.WarnMinutes[i-1]))
		}
	}
	return errs
}

// replaceList gives the later layer's list, copied so the policy and the
// layer share nothing.
func replaceList[T any](_, new []T) []T {
	return slices.Clone(new)
}

// unionPaths adds a later layer's wipe paths to the earlier ones: a branch
// or terminal may wipe more, never less, so privacy fails closed.
func unionPaths(old, new []string) []string {
	out := slices.Clone(old)
	for _, p := range new {
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

// overlayWeekly sets the days the later layer names and keeps the others.
func overlayWeekly(old, new Weekly) Weekly {
	if len(new) == 0 {
		return old
	}
	out := cloneWeekly(old)
	if out == nil {
		out = Weekly{}
	}
	for d, h := range new {
		out[d] = slices.Clone(h)
	}
	return out
}

// mergeExceptions keeps the earlier layers' dates and adds the later
// layer's, which win on a date both name; the result is in date order.
func mergeExceptions(old, new []Exception) []Exception {
	out := cloneExceptions(old)
	for _, e := range cloneExceptions(new) {
		i := slices.IndexFunc(out, func(o Exception) bool { return o.Date == e.Date })
		if i >= 0 {
			out[i] = e
			continue
		}
		out = append(out, e)
	}
	sortExceptions(out)
	return out
}

// checkTopics allows 1 to 20 distinct topic ids of lower-case letters,
// digits, '-' and '_'.
func checkTopics(key string, v []string) error {
	if len(v) == 0 || len(v) > 20 {
		return errorf(key, 0, "must list 1 to 20 topics, got %d", len(v))
	}
	seen := map[string]bool{}
	for i, t := range v {
		if !topicID(t) {
			return errorf(fmt.Sprintf("%s[%d]", key, i), 0, "%q is not a topic id: use 1 to 32 lower-case letters, digits, '-' or '_', like email", t)
		}
		if seen[t] {
			return errorf(fmt.Sprintf("%s[%d]", key, i), 0, "lists %q twice", t)
		}
		seen[t] = true
	}
	return nil
}

func topicID(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// maxLibraryName is the longest library name the welcome screen shows.
const maxLibraryName = 80

// checkLibraryName keeps the name to one printable line the welcome
// screen can show at 200 % text.
func checkLibraryName(key, name string) error {
	if n := utf8.RuneCountInString(name); n > maxLibraryName {
		return fmt.Errorf("%s must be at most %d characters, got %d", key, maxLibraryName, n)
	}
	for _, r := range name {
		if !unicode.IsPrint(r) {
			return fmt.Errorf("%s must be printable text on one line, got %q", key, name)
		}
	}
	return nil
}
