package config

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testUpdateKey is a minisign public key line (of a key nobody keeps).
const testUpdateKey = "RWR9zgvVphqFoN0uHcCaJkAAQulNbgRE9PZOWQYyqNddjgKGM4yYntgY"

func TestParse(t *testing.T) {
	tests := []struct {
		name    string
		yaml    string
		want    Config
		wantErr string // substring; "" for none
		key     string
		line    int
	}{
		{name: "full", yaml: "visitor_accounts: [piste-visitor, piste-visitor2]\nstaff_accounts: [it-support]\nskeletons:\n  - /etc/piste/skel\nextra_paths: [/var/tmp/piste]\n",
			want: Config{File: "agent.yaml", VisitorAccounts: []string{"piste-visitor", "piste-visitor2"}, StaffAccounts: []string{"it-support"},
				Skeletons: []string{"/etc/piste/skel"}, ExtraPaths: []string{"/var/tmp/piste"}, WakeBroadcast: []string{DefaultWakeBroadcast}}},
		{name: "minimal", yaml: "visitor_accounts: [v]\nskeletons: [/srv/skel]\n",
			want: Config{File: "agent.yaml", VisitorAccounts: []string{"v"}, Skeletons: []string{"/srv/skel"}, WakeBroadcast: []string{DefaultWakeBroadcast}}},
		{name: "wake broadcast", yaml: "visitor_accounts: [v]\nskeletons: [/srv/skel]\nwake_broadcast: [\"10.1.2.255:9\"]\n",
			want: Config{File: "agent.yaml", VisitorAccounts: []string{"v"}, Skeletons: []string{"/srv/skel"}, WakeBroadcast: []string{"10.1.2.255:9"}}},
		{name: "wake broadcast without port", yaml: "visitor_accounts: [v]\nskeletons: [/srv/skel]\nwake_broadcast: [10.1.2.255]\n",
			wantErr: `wake_broadcast[0] must be an IPv4 address and port`, key: "wake_broadcast[0]", line: 3},
		{name: "empty file", yaml: "# nothing yet\n", wantErr: "visitor_accounts must list at least one account", key: "visitor_accounts"},
		{name: "typo", yaml: "visitor_acounts: [v]\n", wantErr: "unknown key visitor_acounts (did you mean visitor_accounts?)", key: "visitor_acounts", line: 1},
		{name: "unknown", yaml: "visitor_accounts: [v]\nskeletons: [/s/k]\ncolour: x\n", wantErr: "known keys: visitor_accounts, staff_accounts, skeletons, extra_paths, wake_broadcast, update_public_key", key: "colour", line: 3},
		{name: "update key", yaml: "visitor_accounts: [v]\nskeletons: [/s/k]\nupdate_public_key: " + testUpdateKey + "\n",
			want: Config{File: "agent.yaml", VisitorAccounts: []string{"v"}, Skeletons: []string{"/s/k"}, WakeBroadcast: []string{DefaultWakeBroadcast}, UpdatePublicKey: testUpdateKey}},
		{name: "update key typo", yaml: "visitor_accounts: [v]\nskeletons: [/s/k]\nupdate_public_ky: x\n", wantErr: "did you mean update_public_key?", key: "update_public_ky", line: 3},
		{name: "update key not a key", yaml: "visitor_accounts: [v]\nskeletons: [/s/k]\nupdate_public_key: hello\n", wantErr: "update_public_key is not a minisign public key", key: "update_public_key", line: 3},
		{name: "update key list", yaml: "visitor_accounts: [v]\nskeletons: [/s/k]\nupdate_public_key: [a]\n", wantErr: "update_public_key must be the key line of piste-release.pub, got a list", key: "update_public_key", line: 3},
		{name: "update key twice", yaml: "visitor_accounts: [v]\nskeletons: [/s/k]\nupdate_public_key: " + testUpdateKey + "\nupdate_public_key: " + testUpdateKey + "\n", wantErr: "update_public_key is given twice", key: "update_public_key", line: 4},
		{name: "twice", yaml: "visitor_accounts: [v]\nvisitor_accounts: [w]\n", wantErr: "visitor_accounts is given twice", key: "visitor_accounts", line: 2},
		{name: "not a list", yaml: "visitor_accounts: piste-visitor\n", wantErr: `visitor_accounts must be a list like [a, b], got "piste-visitor"`, key: "visitor_accounts", line: 1},
		{name: "number", yaml: "visitor_accounts: [v, 1000]\n", wantErr: `visitor_accounts[1] must be text, got "1000"`, key: "visitor_accounts[1]", line: 1},
		{name: "alias", yaml: "visitor_accounts: &a [v]\nstaff_accounts: *a\n", wantErr: "staff_accounts must be a list like [a, b], got an alias", key: "staff_accounts", line: 2},
		{name: "top list", yaml: "- v\n", wantErr: "must be a mapping", line: 1},
		{name: "bad yaml", yaml: "visitor_accounts: [v\n", wantErr: "is not valid YAML"},
		{name: "root", yaml: "visitor_accounts: [piste-visitor, root]\nskeletons: [/s/k]\n", wantErr: `visitor_accounts[1] must not be the administrator account "root"`, key: "visitor_accounts[1]", line: 1},
		{name: "Administrator", yaml: "visitor_accounts: [Administrator]\nskeletons: [/s/k]\n", wantErr: "administrator account", key: "visitor_accounts[0]"},
		{name: "bad name", yaml: "visitor_accounts: [../etc]\nskeletons: [/s/k]\n", wantErr: `visitor_accounts[0] must be an account name`, key: "visitor_accounts[0]"},
		{name: "staff too", yaml: "visitor_accounts: [it-support]\nstaff_accounts: [it-support]\nskeletons: [/s/k]\n", wantErr: "also in staff_accounts", key: "visitor_accounts[0]"},
		{name: "duplicate", yaml: "visitor_accounts: [v, v]\nskeletons: [/s/k]\n", wantErr: `visitor_accounts[1] lists "v" twice`, key: "visitor_accounts[1]"},
		{name: "no skeleton", yaml: "visitor_accounts: [v]\n", wantErr: "skeletons must list at least one directory", key: "skeletons"},
		{name: "relative skeleton", yaml: "visitor_accounts: [v]\nskeletons: [skel]\n", wantErr: `skeletons[0] must be a clean absolute path`, key: "skeletons[0]", line: 2},
		{name: "unclean skeleton", yaml: "visitor_accounts: [v]\nskeletons: [/etc/piste/../skel]\n", wantErr: "clean absolute path", key: "skeletons[0]"},
		{name: "root skeleton", yaml: "visitor_accounts: [v]\nskeletons: [/]\n", wantErr: `skeletons[0] is "/", too near the root`, key: "skeletons[0]"},
		{name: "shallow extra path", yaml: "visitor_accounts: [v]\nskeletons: [/s/k]\nextra_paths: [/var/tmp, /home]\n", wantErr: `extra_paths[1] is "/home", too near the root`, key: "extra_paths[1]", line: 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse([]byte(tc.yaml), "agent.yaml")
			if tc.wantErr == "" {
				require.NoError(t, err)
				assert.Equal(t, tc.want, c)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.wantErr)
			assert.Contains(t, err.Error(), "agent config agent.yaml", "the message names the file")
			var ce *Error
			require.True(t, errors.As(err, &ce))
			assert.Equal(t, tc.key, ce.Key)
			if tc.line > 0 {
				assert.Equal(t, tc.line, ce.Line)
			}
		})
	}
}

// FuzzConfig feeds Parse arbitrary text: it must never panic, must report
// problems only as *Error, and what it accepts must keep its own rules.
func FuzzConfig(f *testing.F) {
	f.Add([]byte("visitor_accounts: [piste-visitor]\nstaff_accounts: [it]\nskeletons: [/etc/piste/skel]\nextra_paths: [/var/tmp/piste]\n"))
	f.Add([]byte("visitor_acounts: [v]\n"))
	f.Add([]byte("visitor_accounts: &a [v]\nskeletons: *a\n"))
	f.Add([]byte("{visitor_accounts: [root], skeletons: ['/']}"))
	f.Add([]byte("- a\n- b\n"))
	f.Add([]byte("visitor_accounts: [v, 12, ~]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data, "fuzz.yaml")
		if err != nil {
			var ce *Error
			require.True(t, errors.As(err, &ce), "Parse returned %T: %v", err, err)
			require.Equal(t, "fuzz.yaml", ce.File)
			return
		}
		require.NotEmpty(t, c.VisitorAccounts)
		require.NotEmpty(t, c.Skeletons)
		require.NoError(t, c.check(nil), "an accepted config passes its own rules")
		for _, a := range c.VisitorAccounts {
			require.NotEqual(t, "root", a)
		}
	})
}
