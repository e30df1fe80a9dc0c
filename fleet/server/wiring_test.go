package server

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"piste/fleet/signage"
)

// The domains are wired to each other: screens' support slide reads the
// help domain's duty, version alerts read the releases' rollouts, and the
// measures read the help queue.
func TestDomainsAreWired(t *testing.T) {
	f := newTestFleet(t)
	assert.IsType(t, signage.DutySupport{}, f.srv.Signage.Live.Support, "the live support slide")
	assert.Same(t, f.srv.API.Releases, f.srv.API.Alerts.Rollouts, "version_behind")
	assert.Equal(t, helpFigures{f.srv.API.Help}, f.srv.API.Measures.Support, "the measures' support figures")
}
