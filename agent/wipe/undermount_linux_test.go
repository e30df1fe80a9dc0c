package wipe

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// A visitor's files in the home before its first mounted wipe must not lie
// hidden under the mount, to come back when it goes (at the next boot).
func TestMountStrategiesResetTheDirectoryUnderneath(t *testing.T) {
	for _, s := range []Strategy{StrategyTmpfs, StrategyOverlay} {
		t.Run(string(s), func(t *testing.T) {
			e := newTestEngine(t, Options{})
			if !contains(e.Strategies(), s) {
				t.Skipf("%s mounts are not available here", s)
			}
			u := newTestUser(t)
			skel := makeSkeleton(t)
			secret := filepath.Join(u.home, "Downloads-before-first-mount.pdf")
			require.NoError(t, os.WriteFile(secret, []byte("visitor's bank statement"), 0o600))
			require.NoError(t, os.Chown(secret, int(u.uid), int(u.gid)))

			requireVerified(t, e.Wipe(context.Background(), request(u, skel, s)))
			require.NoError(t, unix.Unmount(u.home, unix.MNT_DETACH), "the home should be a %s mount now", s)

			_, err := os.Stat(secret)
			assert.True(t, os.IsNotExist(err), "the file is still under the mount")
			assertHomeIsSkeleton(t, u, skel)
		})
	}
}

func contains(ss []Strategy, s Strategy) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
