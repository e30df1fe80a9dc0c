package wipe

import (
	"fmt"
	"strconv"
	"strings"
)

// proc is a process found to belong to the visitor.
type proc struct {
	pid  int
	name string
}

// procStatus is what the engine reads from /proc/PID/status.
type procStatus struct {
	Name  string
	State byte      // R, S, D, Z, T, ...
	UIDs  [4]uint32 // real, effective, saved, file system
}

// parseProcStatus parses the text of /proc/PID/status (see proc(5)).
func parseProcStatus(text string) (procStatus, error) {
	var ps procStatus
	var haveState, haveUID bool
	for line := range strings.SplitSeq(text, "\n") {
		key, val, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		val = strings.TrimSpace(val)
		switch key {
		case "Name":
			ps.Name = val
		case "State":
			if val == "" {
				return ps, fmt.Errorf("empty State")
			}
			ps.State, haveState = val[0], true
		case "Uid":
			f := strings.Fields(val)
			if len(f) != 4 {
				return ps, fmt.Errorf("Uid line %q: want 4 fields", val)
			}
			for i, s := range f {
				v, err := strconv.ParseUint(s, 10, 32)
				if err != nil {
					return ps, fmt.Errorf("Uid line %q: %w", val, err)
				}
				ps.UIDs[i] = uint32(v)
			}
			haveUID = true
		}
	}
	if !haveState || !haveUID {
		return ps, fmt.Errorf("missing State or Uid line")
	}
	return ps, nil
}

// runsAs reports whether the process runs with uid in any of its user IDs,
// so that a setuid program a visitor started counts as theirs too.
func (ps procStatus) runsAs(uid uint32) bool {
	for _, u := range ps.UIDs {
		if u == uid {
			return true
		}
	}
	return false
}

// dead reports a zombie or a process being torn down: it holds no memory or
// files, and only its parent can make it go away.
func (ps procStatus) dead() bool { return ps.State == 'Z' || ps.State == 'X' }

// jobsOf returns the ids of user's jobs in the output of "lpstat -o", whose
// lines start with the job id and the user name.
func jobsOf(lpstat, user string) []string {
	var ids []string
	for line := range strings.SplitSeq(lpstat, "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 && f[1] == user && !strings.HasPrefix(f[0], "-") {
			ids = append(ids, f[0])
		}
	}
	return ids
}
