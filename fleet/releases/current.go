package releases

import (
	"context"
	"strings"

	"piste/fleet/store"
	"piste/internal/release"
)

// RolledOutTo names the release a terminal is expected to run: the newest
// version of a rollout that reaches it (its branch and wave), not rolled
// back, with a release uploaded for its os/arch. any reports whether the
// fleet has any release at all; without one the caller keeps its own
// notion of current. A terminal no rollout reaches yet gets "".
func (s *Service) RolledOutTo(ctx context.Context, t store.Terminal) (version string, any bool, err error) {
	rels, err := s.Store.Releases(ctx)
	if err != nil || len(rels) == 0 {
		return "", false, err
	}
	osName, arch, _ := strings.Cut(t.OS, "/")
	uploaded := map[string]bool{}
	for _, r := range rels {
		if r.OS == osName && r.Arch == arch {
			uploaded[r.Version] = true
		}
	}
	rs, err := s.Store.Rollouts(ctx)
	if err != nil {
		return "", true, err
	}
	for _, r := range rs {
		if r.Status == RolloutRolledBack || !includes(r, t) || !uploaded[r.Version] {
			continue
		}
		if version == "" || release.Newer(r.Version, version) {
			version = r.Version
		}
	}
	return version, true, nil
}
