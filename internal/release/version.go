// Package release is what the release tool, the fleet and the agent agree
// on about a signed release: its version numbers, its artifact (a tar.gz
// holding release.json and the binaries) and its minisign signature.
package release

import (
	"fmt"
	"strconv"
	"strings"
)

// Version is a parsed release version: MAJOR.MINOR.PATCH with an optional
// leading "v" and an optional "-suffix" that sorts before the plain number
// (1.2.0-rc1 < 1.2.0).
type Version struct {
	Parts [3]uint64
	Pre   string
}

// ParseVersion reads a version such as 1.4.2, v1.4.2 or 1.5.0-rc1.
func ParseVersion(s string) (Version, error) {
	var v Version
	if s == "" || len(s) > 64 {
		return v, fmt.Errorf("version must be 1 to 64 characters like 1.4.2, got %q", s)
	}
	core, pre, hasPre := strings.Cut(strings.TrimPrefix(s, "v"), "-")
	if hasPre {
		if pre == "" || !isLabel(pre) {
			return v, fmt.Errorf("version %q: the part after '-' must be letters, digits, '.' or '-'", s)
		}
		v.Pre = pre
	}
	fields := strings.Split(core, ".")
	if len(fields) != 3 {
		return v, fmt.Errorf("version %q must have three numbers like 1.4.2", s)
	}
	for i, f := range fields {
		n, err := strconv.ParseUint(f, 10, 32)
		if err != nil || (len(f) > 1 && f[0] == '0') {
			return v, fmt.Errorf("version %q: %q is not a number", s, f)
		}
		v.Parts[i] = n
	}
	return v, nil
}

func isLabel(s string) bool {
	for _, r := range s {
		if !(r == '.' || r == '-' || ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') || ('0' <= r && r <= '9')) {
			return false
		}
	}
	return true
}

// String is the canonical form, without a leading "v".
func (v Version) String() string {
	s := fmt.Sprintf("%d.%d.%d", v.Parts[0], v.Parts[1], v.Parts[2])
	if v.Pre != "" {
		s += "-" + v.Pre
	}
	return s
}

// Compare returns -1, 0 or +1 as a is older than, the same as or newer
// than b.
func (a Version) Compare(b Version) int {
	for i := range a.Parts {
		switch {
		case a.Parts[i] < b.Parts[i]:
			return -1
		case a.Parts[i] > b.Parts[i]:
			return 1
		}
	}
	switch {
	case a.Pre == b.Pre:
		return 0
	case a.Pre == "":
		return 1
	case b.Pre == "":
		return -1
	case a.Pre < b.Pre:
		return -1
	}
	return 1
}

// Newer reports whether version a is newer than b. A version that does not
// parse (such as a development build's "dev") is older than any that does.
func Newer(a, b string) bool {
	va, errA := ParseVersion(a)
	vb, errB := ParseVersion(b)
	switch {
	case errA != nil:
		return false
	case errB != nil:
		return true
	}
	return va.Compare(vb) > 0
}
