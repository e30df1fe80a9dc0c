package policy

import (
	"fmt"
	"strings"
)

// Error is one problem in a policy. It names the key it is about so that the
// admin who wrote the YAML can find and fix it; Parse and Validate return
// these (joined with errors.Join when there are several), so callers can
// pick them out with errors.As to highlight a field.
type Error struct {
	Key  string // full key path, e.g. "session.max_minutes"; empty for problems with the whole document
	Line int    // 1-based line in the YAML text; 0 when unknown (merged or JSON policies)
	Msg  string // what is wrong and what to write instead; names Key where there is one
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("policy: line %d: %s", e.Line, e.Msg)
	}
	return "policy: " + e.Msg
}

// errorf builds an Error about key whose message is key followed by the
// formatted text, the form nearly every policy error takes.
func errorf(key string, line int, format string, args ...any) *Error {
	return &Error{Key: key, Line: line, Msg: key + " " + fmt.Sprintf(format, args...)}
}

// atLine places err on line when it does not know its line yet: checks are
// written once for both Parse (which knows lines) and Validate (which does
// not).
func atLine(err error, line int) error {
	e, ok := err.(*Error)
	if !ok || e.Line != 0 {
		return err
	}
	placed := *e
	placed.Line = line
	return &placed
}

// unknownKeyError reports a key that does not exist, with the nearest known
// sibling as a suggestion, or the same name in another section.
func unknownKeyError(path string, line int, siblings []string) *Error {
	parent, name := splitKey(path)
	msg := "unknown key " + path
	if best := Nearest(name, siblings); best != "" {
		msg += " (did you mean " + joinKey(parent, best) + "?)"
	} else if elsewhere := keyNamed(name); elsewhere != "" {
		msg += " (did you mean " + elsewhere + "?)"
	} else if len(siblings) > 0 {
		msg += "; known keys here: " + strings.Join(siblings, ", ")
	}
	return &Error{Key: path, Line: line, Msg: msg}
}

// keyNamed returns a known key whose last part is name, for a key written
// in the wrong section (session.timezone → hours.timezone).
func keyNamed(name string) string {
	for _, key := range knownKeys {
		if _, last := splitKey(key); last == name {
			return key
		}
	}
	return ""
}

// Nearest returns the candidate closest to name by edit distance, if it is
// close enough to be a likely typo; "" otherwise. Other strict parsers (the
// agent's local config) use it for their own "did you mean".
func Nearest(name string, candidates []string) string {
	best, bestDist := "", len(name)/3+1
	for _, c := range candidates {
		if d := editDistance(name, c); d <= bestDist && (best == "" || d < editDistance(name, best)) {
			best, bestDist = c, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	if len(a) > 64 {
		return len(a) // too long to be a typo of a key, and costly to compare
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func splitKey(path string) (parent, name string) {
	i := strings.LastIndexByte(path, '.')
	if i < 0 {
		return "", path
	}
	return path[:i], path[i+1:]
}

func joinKey(parent, name string) string {
	if parent == "" {
		return name
	}
	return parent + "." + name
}
