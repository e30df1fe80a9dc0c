package config

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"piste/policies/policy"
)

func TestAllowChoosesOnlyWithinTheConfig(t *testing.T) {
	c := Config{File: "/etc/piste/agent.yaml", VisitorAccounts: []string{"piste-notyet1", "piste-notyet2"},
		Skeletons: []string{"/etc/piste/skel", "/etc/piste/skel-lobby"}, ExtraPaths: []string{"/var/tmp/piste"}}
	tests := []struct {
		name    string
		change  func(p *policy.Policy)
		key     string // "" when allowed
		wantMsg string
	}{
		{name: "the config's first choices", change: func(*policy.Policy) {}},
		{name: "another allowed account and skeleton", change: func(p *policy.Policy) {
			p.Session.KioskUser, p.Wipe.Skeleton = "piste-notyet2", "/etc/piste/skel-lobby"
		}},
		{name: "extra path below an allowed one", change: func(p *policy.Policy) { p.Wipe.ExtraPaths = []string{"/var/tmp/piste", "/var/tmp/piste/spool"} }},
		{name: "nobody", change: func(p *policy.Policy) { p.Session.KioskUser = "nobody" }, key: "session.kiosk_user",
			wantMsg: `session.kiosk_user "nobody" is not allowed by this terminal's visitor_accounts in /etc/piste/agent.yaml (allowed: piste-notyet1, piste-notyet2)`},
		{name: "skeleton /etc", change: func(p *policy.Policy) { p.Wipe.Skeleton = "/etc" }, key: "wipe.skeleton",
			wantMsg: `wipe.skeleton "/etc" is not allowed by this terminal's skeletons in /etc/piste/agent.yaml`},
		{name: "skeleton below an allowed one", change: func(p *policy.Policy) { p.Wipe.Skeleton = "/etc/piste/skel/sub" }, key: "wipe.skeleton"},
		{name: "extra path /var/lib", change: func(p *policy.Policy) { p.Wipe.ExtraPaths = []string{"/var/tmp/piste", "/var/lib"} },
			key: "wipe.extra_paths[1]", wantMsg: `wipe.extra_paths[1] "/var/lib" is not allowed by this terminal's extra_paths in /etc/piste/agent.yaml (allowed: /var/tmp/piste)`},
		{name: "extra path climbing out", change: func(p *policy.Policy) { p.Wipe.ExtraPaths = []string{"/var/tmp/piste/../../lib"} }, key: "wipe.extra_paths[0]"},
		{name: "extra path sharing a prefix", change: func(p *policy.Policy) { p.Wipe.ExtraPaths = []string{"/var/tmp/piste-other"} }, key: "wipe.extra_paths[0]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := policy.Defaults()
			p.Session.KioskUser, p.Wipe.Skeleton = "piste-notyet1", "/etc/piste/skel"
			tc.change(&p)
			err := c.Allow(p)
			if tc.key == "" {
				assert.NoError(t, err)
				assert.Equal(t, p, c.Fit(p), "an allowed policy is left as it is")
				return
			}
			var r *Refusal
			require.True(t, errors.As(err, &r), "%v", err)
			assert.Equal(t, tc.key, r.Key)
			assert.Equal(t, c.File, r.File)
			assert.Contains(t, err.Error(), tc.wantMsg)
			assert.NoError(t, c.Allow(c.Fit(p)), "a fitted policy is allowed")
		})
	}
}

func TestFitNarrowsToTheConfig(t *testing.T) {
	c := Config{File: "f", VisitorAccounts: []string{"piste-notyet1"}, Skeletons: []string{"/srv/skel"}, ExtraPaths: []string{"/var/tmp/piste"}}
	p := policy.Defaults()
	p.Session.KioskUser, p.Wipe.Skeleton = "nobody", "/etc"
	p.Wipe.ExtraPaths = []string{"/var/lib", "/var/tmp/piste/x"}
	got := c.Fit(p)
	assert.Equal(t, "piste-notyet1", got.Session.KioskUser)
	assert.Equal(t, "/srv/skel", got.Wipe.Skeleton)
	assert.Equal(t, []string{"/var/tmp/piste/x"}, got.Wipe.ExtraPaths)
	assert.Equal(t, []string{"/var/lib", "/var/tmp/piste/x"}, p.Wipe.ExtraPaths, "the policy given is not changed")
}
