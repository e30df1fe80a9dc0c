//go:build !windows

package config

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// At the moment of a wipe the skeleton is looked at again: one made
// writable since the config was loaded is refused.
func TestAllowWipeChecksTheSkeletonNow(t *testing.T) {
	skel := filepath.Join(trustedDir(t), "skel")
	require.NoError(t, os.Mkdir(skel, 0o755))
	c := Config{File: "f", VisitorAccounts: []string{"piste-notyet1"}, Skeletons: []string{skel}}
	require.NoError(t, c.AllowWipe("piste-notyet1", skel, nil))
	require.NoError(t, os.Chmod(skel, 0o777))
	err := c.AllowWipe("piste-notyet1", skel, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "wipe.skeleton")
	assert.Contains(t, err.Error(), "has mode 0777")
	assert.Error(t, c.AllowWipe("nobody", skel, nil))
}
