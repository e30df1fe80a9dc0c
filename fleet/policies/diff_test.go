package policies_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"piste/fleet/policies"
)

func TestDiff(t *testing.T) {
	tests := []struct{ name, old, new, want string }{
		{"first layer", "", "session:\n  max_minutes: 45\n", "+ session.max_minutes: 45"},
		{"changed value", "session:\n  max_minutes: 60\n", "session:\n  max_minutes: 45\n", "session.max_minutes: 60 -> 45"},
		{"no change", "session:\n  max_minutes: 60\n", "session: {max_minutes: 60}\n", "no change"},
		{"added, removed, changed list, sorted by key",
			"session:\n  max_minutes: 60\n  warn_minutes: [5, 1]\nwipe:\n  skeleton: /etc/skel\n",
			"session:\n  warn_minutes: [10, 5, 1]\nwipe:\n  skeleton: /etc/skel\n  extra_paths: [/srv/scans]\n",
			`- session.max_minutes: 60; session.warn_minutes: [5,1] -> [10,5,1]; + wipe.extra_paths: ["/srv/scans"]`},
		{"JSON layer", "", `{"session": {"max_minutes": 30}}`, "+ session.max_minutes: 30"},
		{"unreadable old layer", "session: [", "session:\n  max_minutes: 45\n", "+ session.max_minutes: 45"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, policies.Diff(tc.old, tc.new))
		})
	}
}
