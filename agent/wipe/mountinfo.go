package wipe

import (
	"fmt"
	"strconv"
	"strings"
)

// mount is one line of /proc/self/mountinfo.
type mount struct {
	ID, Parent int
	Dev        string // major:minor of the file system
	Root       string // the directory of the file system mounted here
	Point      string // where it is mounted
	Options    []string
	FSType     string
	Source     string
	Super      []string // the file system's own options
}

// has reports whether opts holds the option name (alone or as name=value).
func has(opts []string, name string) bool {
	for _, o := range opts {
		if o == name || strings.HasPrefix(o, name+"=") {
			return true
		}
	}
	return false
}

// option returns the value of name=value in opts.
func option(opts []string, name string) (string, bool) {
	for _, o := range opts {
		if v, ok := strings.CutPrefix(o, name+"="); ok {
			return v, true
		}
	}
	return "", false
}

// Mount sources the engine gives its own mounts, so that it can tell them
// from an administrator's.
const (
	sourceHome  = "piste-home"
	sourceUpper = "piste-upper"
	sourceProbe = "piste-probe"
	// sourceMqueue is the engine's own view of the POSIX message queues.
	sourceMqueue = "piste-mqueue"
)

// parseMountInfo parses the text of /proc/self/mountinfo (see proc(5)).
func parseMountInfo(text string) ([]mount, error) {
	var out []mount
	for n, line := range strings.Split(text, "\n") {
		if line == "" {
			continue
		}
		m, err := parseMountLine(line)
		if err != nil {
			return nil, fmt.Errorf("wipe: mountinfo line %d: %w", n+1, err)
		}
		out = append(out, m)
	}
	return out, nil
}

func parseMountLine(line string) (mount, error) {
	fields := strings.Fields(line)
	sep := -1
	for i := 6; i < len(fields); i++ {
		if fields[i] == "-" {
			sep = i
			break
		}
	}
	if len(fields) < 7 || sep < 0 || len(fields) < sep+3 {
		return mount{}, fmt.Errorf("want at least 10 fields with a - separator, got %d", len(fields))
	}
	id, err := strconv.Atoi(fields[0])
	if err != nil {
		return mount{}, fmt.Errorf("mount id %q: %w", fields[0], err)
	}
	parent, err := strconv.Atoi(fields[1])
	if err != nil {
		return mount{}, fmt.Errorf("parent id %q: %w", fields[1], err)
	}
	m := mount{
		ID:      id,
		Parent:  parent,
		Dev:     fields[2],
		Root:    unescapeOctal(fields[3]),
		Point:   unescapeOctal(fields[4]),
		Options: strings.Split(fields[5], ","),
		FSType:  fields[sep+1],
		Source:  unescapeOctal(fields[sep+2]),
	}
	if len(fields) > sep+3 {
		m.Super = strings.Split(fields[sep+3], ",")
	}
	return m, nil
}

// unescapeOctal undoes the kernel's \ooo escapes of space, tab, newline and
// backslash. A malformed escape is kept as it is.
func unescapeOctal(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) && s[i+1] <= '3' && isOctal(s[i+1]) && isOctal(s[i+2]) && isOctal(s[i+3]) {
			v := (s[i+1]-'0')<<6 | (s[i+2]-'0')<<3 | (s[i+3] - '0')
			b.WriteByte(v)
			i += 3
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isOctal(c byte) bool { return c >= '0' && c <= '7' }

// mountsAt returns the mounts whose mount point is path, oldest first, so
// the last one is the one a lookup of path sees.
func mountsAt(ms []mount, path string) []mount {
	var out []mount
	for _, m := range ms {
		if m.Point == path {
			out = append(out, m)
		}
	}
	return out
}

// topMount returns the mount a lookup of path sees, if path is a mount point.
func topMount(ms []mount, path string) (mount, bool) {
	at := mountsAt(ms, path)
	if len(at) == 0 {
		return mount{}, false
	}
	return at[len(at)-1], true
}

// mountsBelow returns the mounts strictly inside dir.
func mountsBelow(ms []mount, dir string) []mount {
	var out []mount
	for _, m := range ms {
		if strings.HasPrefix(m.Point, dir+"/") {
			out = append(out, m)
		}
	}
	return out
}
