package releases

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"

	"piste/fleet/store"
)

func TestPlanNeverDowngradesAndNeverRetriesAFailedVersion(t *testing.T) {
	p := &planner{rows: map[string][]store.RolloutTerminal{}, releases: map[string]store.Release{
		"1.2.0/linux/amd64": {Version: "1.2.0", OS: "linux", Arch: "amd64", SHA256: "x", Size: 1, Signature: "s"},
		"1.0.0/linux/amd64": {Version: "1.0.0", OS: "linux", Arch: "amd64", SHA256: "x", Size: 1, Signature: "s"},
	}}
	newer := store.Rollout{ID: 2, Version: "1.2.0", Branches: []string{"kallio"}, Percent: 100, Status: RolloutActive}
	older := store.Rollout{ID: 1, Version: "1.0.0", Branches: []string{"kallio"}, Percent: 100, Status: RolloutActive}
	term := store.Terminal{ID: "t1", Branch: "kallio", OS: "linux/amd64", AgentVersion: "1.1.0"}

	p.rollouts = []store.Rollout{newer}
	snd, ok := p.plan(term)
	assert.True(t, ok)
	assert.Equal(t, "1.2.0", snd.offer.Version)
	assert.Equal(t, "1.1.0", snd.row.FromVersion)

	p.rollouts = []store.Rollout{older}
	_, ok = p.plan(term)
	assert.False(t, ok, "1.0.0 is older than the running 1.1.0")

	other := term
	other.Branch = "oodi"
	p.rollouts = []store.Rollout{newer}
	_, ok = p.plan(other)
	assert.False(t, ok, "another branch")

	windows := term
	windows.OS = "windows/amd64"
	_, ok = p.plan(windows)
	assert.False(t, ok, "no release for the platform")

	p.rows["t1"] = []store.RolloutTerminal{{RolloutID: 2, TerminalID: "t1", Status: TerminalFailed}}
	again := newer
	again.ID = 3
	p.rollouts = []store.Rollout{again, newer}
	_, ok = p.plan(term)
	assert.False(t, ok, "a version that failed here is not offered again")

	paused := newer
	paused.Status = RolloutPaused
	p.rows = map[string][]store.RolloutTerminal{}
	p.rollouts = []store.Rollout{paused}
	_, ok = p.plan(term)
	assert.False(t, ok, "a paused rollout offers nothing new")
}

func TestWavesKeepEarlierTerminals(t *testing.T) {
	in := func(percent int) map[string]bool {
		r := store.Rollout{Branches: []string{"b"}, Percent: percent}
		out := map[string]bool{}
		for i := 0; i < 1000; i++ {
			id := fmt.Sprintf("t-%04d", i)
			if includes(r, store.Terminal{ID: id, Branch: "b"}) {
				out[id] = true
			}
		}
		return out
	}
	ten, fifty, all := in(10), in(50), in(100)
	assert.InDelta(t, 100, len(ten), 40)
	assert.InDelta(t, 500, len(fifty), 80)
	assert.Len(t, all, 1000)
	for id := range ten {
		assert.True(t, fifty[id], "a terminal of the 10 %% wave is in the 50 %% wave")
	}
}
