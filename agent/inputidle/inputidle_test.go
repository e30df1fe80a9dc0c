package inputidle

import (
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Input through XTEST (what a keyboard or mouse produces) resets the idle
// time; no input lets it grow.
func TestX11IdleFollowsInput(t *testing.T) {
	display := os.Getenv("DISPLAY")
	if display == "" {
		t.Skip("needs an X display (make test runs the tests under Xvfb)")
	}
	if _, err := exec.LookPath("xdotool"); err != nil {
		t.Skip("needs xdotool (make deps-test installs it)")
	}
	src := &X11{Display: display}
	defer src.Close()
	grown := func(least time.Duration) bool {
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			idle, err := src.Idle()
			require.NoError(t, err)
			if idle >= least {
				return true
			}
			time.Sleep(50 * time.Millisecond)
		}
		return false
	}
	require.True(t, grown(400*time.Millisecond), "idle time grows without input")
	for i := range 3 {
		out, err := exec.Command("xdotool", "mousemove", fmt.Sprint(10+i), "10").CombinedOutput()
		require.NoError(t, err, "%s", out)
	}
	idle, err := src.Idle()
	require.NoError(t, err)
	assert.Less(t, idle, 400*time.Millisecond, "input resets the idle time")
}

func TestX11WithoutDisplayIsAnError(t *testing.T) {
	src := &X11{Display: ":999"}
	_, err := src.Idle()
	require.Error(t, err)
	assert.Contains(t, err.Error(), ":999")
}
