package releases

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"piste/fleet/store"
)

// A terminal is expected to run the newest release rolled out to its
// branch for its os/arch; a rolled-back rollout, another branch's, or a
// release not built for it does not count; no releases at all says so.
func TestRolledOutTo(t *testing.T) {
	st, err := store.Open(t.TempDir())
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	ctx := context.Background()
	s := New(st, t.TempDir(), nil)
	kallio := store.Terminal{ID: "t1", Branch: "kallio", OS: "linux/amd64", AgentVersion: "1.0.0"}
	v, any, err := s.RolledOutTo(ctx, kallio)
	require.NoError(t, err)
	assert.False(t, any, "no releases yet")
	assert.Empty(t, v)

	now := time.Now()
	for _, r := range []store.Release{
		{Version: "1.1.0", OS: "linux", Arch: "amd64"}, {Version: "1.2.0", OS: "linux", Arch: "amd64"},
		{Version: "1.3.0", OS: "linux", Arch: "amd64"}, {Version: "1.4.0", OS: "windows", Arch: "amd64"},
		{Version: "1.5.0", OS: "linux", Arch: "amd64"},
	} {
		r.SHA256, r.Size, r.Signature, r.File, r.AddedBy, r.AddedAt = "x", 1, "s", "f", "ada", now
		require.NoError(t, st.AddRelease(ctx, r))
	}
	v, any, err = s.RolledOutTo(ctx, kallio)
	require.NoError(t, err)
	assert.True(t, any)
	assert.Empty(t, v, "releases uploaded but none rolled out: behind nothing")

	for _, r := range []store.Rollout{
		{Version: "1.1.0", Branches: []string{"kallio"}, Percent: 100, Status: RolloutActive},
		{Version: "1.2.0", Branches: []string{"kallio", "oodi"}, Percent: 100, Status: RolloutPaused},
		{Version: "1.3.0", Branches: []string{"kallio"}, Percent: 100, Status: RolloutRolledBack},
		{Version: "1.4.0", Branches: []string{"kallio"}, Percent: 100, Status: RolloutActive},
		{Version: "1.5.0", Branches: []string{"oodi"}, Percent: 100, Status: RolloutActive},
	} {
		r.CreatedBy, r.CreatedAt = "ada", now
		_, err := st.AddRollout(ctx, r)
		require.NoError(t, err)
	}
	v, _, err = s.RolledOutTo(ctx, kallio)
	require.NoError(t, err)
	assert.Equal(t, "1.2.0", v, "not the rolled-back 1.3.0, the Windows-only 1.4.0 or oodi's 1.5.0")
	v, _, err = s.RolledOutTo(ctx, store.Terminal{ID: "t2", Branch: "oodi", OS: "linux/amd64"})
	require.NoError(t, err)
	assert.Equal(t, "1.5.0", v)
}
