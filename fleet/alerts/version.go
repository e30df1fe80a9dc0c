package alerts

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"piste/fleet/store"
)

// Releases names the current agent release, which terminals behind it
// are alerted about. A release channel can supply it; without one, the
// newest version any terminal runs is current.
type Releases interface {
	Current(ctx context.Context) (string, error)
}

// Rollouts names the release one terminal should run (the releases
// service: the newest release rolled out to its branch and wave). any is
// false when the fleet has no releases at all; then the fleet-wide current
// version applies. "" with any true: nothing rolled out to it yet, so it
// is behind nothing.
type Rollouts interface {
	RolledOutTo(ctx context.Context, t store.Terminal) (version string, any bool, err error)
}

// currentFor is the release terminal t is compared with.
func (s *Service) currentFor(ctx context.Context, t store.Terminal, fleetWide Version) (Version, error) {
	if s.Rollouts == nil {
		return fleetWide, nil
	}
	v, any, err := s.Rollouts.RolledOutTo(ctx, t)
	if err != nil {
		return Version{}, fmt.Errorf("alerts: release of %s: %w", t.ID, err)
	}
	if !any {
		return fleetWide, nil
	}
	return ParseVersion(v), nil
}

// Version is a dotted release number like 1.4.2 (a leading "v" and a
// "-suffix" allowed); a pre-release sorts before its release.
type Version struct {
	nums []int
	pre  string
	text string
}

// ParseVersion reads a version; the zero Version (not Valid) means it
// could not be read, and such a terminal is never called behind.
func ParseVersion(s string) Version {
	text := s
	s = strings.TrimPrefix(strings.TrimSpace(s), "v")
	core, pre, _ := strings.Cut(s, "-")
	if plus := strings.IndexByte(core, '+'); plus >= 0 {
		core = core[:plus]
	}
	parts := strings.Split(core, ".")
	if len(parts) < 2 || len(parts) > 4 {
		return Version{}
	}
	v := Version{pre: pre, text: text}
	for _, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return Version{}
		}
		v.nums = append(v.nums, n)
	}
	return v
}

// Valid reports whether v was read.
func (v Version) Valid() bool { return v.nums != nil }

func (v Version) String() string { return v.text }

// Less reports whether v is an older release than w.
func (v Version) Less(w Version) bool {
	for i := range max(len(v.nums), len(w.nums)) {
		a, b := at(v.nums, i), at(w.nums, i)
		if a != b {
			return a < b
		}
	}
	switch {
	case v.pre == w.pre:
		return false
	case v.pre == "":
		return false
	case w.pre == "":
		return true
	}
	return v.pre < w.pre
}

func at(nums []int, i int) int {
	if i < len(nums) {
		return nums[i]
	}
	return 0
}

// current is the release terminals are compared with.
func (s *Service) current(ctx context.Context) (Version, error) {
	if s.Releases != nil {
		c, err := s.Releases.Current(ctx)
		if err != nil {
			return Version{}, fmt.Errorf("alerts: current release: %w", err)
		}
		if c != "" {
			return ParseVersion(c), nil
		}
	}
	versions, err := s.Store.AgentVersions(ctx)
	if err != nil {
		return Version{}, fmt.Errorf("alerts: agent versions: %w", err)
	}
	var newest Version
	for text := range versions {
		v := ParseVersion(text)
		if v.Valid() && (!newest.Valid() || newest.Less(v)) {
			newest = v
		}
	}
	return newest, nil
}
