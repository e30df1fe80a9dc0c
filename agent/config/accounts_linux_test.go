package config

import (
	"os"
	"os/user"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"piste/policies/policy"
)

// withLoginDefs points the account rules at a login.defs of the test's.
func withLoginDefs(t *testing.T, text string) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "login.defs")
	require.NoError(t, os.WriteFile(p, []byte(text), 0o644))
	old := loginDefs
	loginDefs = p
	t.Cleanup(func() { loginDefs = old })
}

func TestVisitorAccountRules(t *testing.T) {
	withLoginDefs(t, "# the usual\nUID_MIN\t\t\t 1000\nUID_MAX\t\t\t60000\n")
	skel := filepath.Join(trustedDir(t), "skel")
	require.NoError(t, os.Mkdir(skel, 0o755))
	tests := []struct {
		name    string
		account func(t *testing.T) string
		staff   string
		defs    string // replaces login.defs when set
		wantErr string
	}{
		{name: "ordinary account", account: func(t *testing.T) string { return newAccount(t, "--user-group") }},
		{name: "not made yet", account: func(*testing.T) string { return "piste-notyet" }},
		{name: "uid 0 under another name", account: func(t *testing.T) string { return newAccount(t, "--non-unique", "--uid", "0", "--gid", "0") },
			wantErr: "is root (uid 0)"},
		{name: "system account", account: func(t *testing.T) string { return accountWithUID(t, "1") },
			wantErr: "is a system account (uid 1 is outside UID_MIN 1000..UID_MAX 60000"},
		{name: "nobody", account: func(t *testing.T) string { return accountWithUID(t, "65534") },
			wantErr: "is a system account (uid 65534"},
		{name: "UID_MIN from login.defs", account: func(t *testing.T) string { return newAccount(t, "--user-group") },
			defs: "UID_MIN 200000\nUID_MAX 300000\n", wantErr: "outside UID_MIN 200000..UID_MAX 300000"},
		{name: "sudo member", account: func(t *testing.T) string {
			return newAccount(t, "--user-group", "-G", existingGroup(t, "sudo", "wheel"))
		},
			wantErr: "is a staff account (a member of group"},
		{name: "adm member", account: func(t *testing.T) string { return newAccount(t, "--user-group", "-G", existingGroup(t, "adm")) },
			wantErr: "is a staff account (a member of group adm)"},
		{name: "named staff", account: func(t *testing.T) string { return newAccount(t, "--user-group") }, staff: "self",
			wantErr: "is listed in staff_accounts"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			name := tc.account(t)
			if tc.defs != "" {
				withLoginDefs(t, tc.defs)
			}
			text := "visitor_accounts: [" + name + "]\nskeletons: [" + skel + "]\n"
			if tc.staff != "" {
				text += "staff_accounts: [other-admin]\n"
			}
			file := writeConfig(t, trustedDir(t), text, 0o644)
			c, err := Load(file)
			if tc.staff == "" {
				if tc.wantErr == "" {
					require.NoError(t, err)
				} else {
					require.Error(t, err)
					assert.Contains(t, err.Error(), tc.wantErr)
					assert.Contains(t, err.Error(), "visitor_accounts[0]")
				}
			} else {
				require.NoError(t, err)
				c.StaffAccounts = append(c.StaffAccounts, name) // as if listed after the file was loaded
			}
			// The same rules hold when a policy asks for the account.
			p := policy.Defaults()
			p.Session.KioskUser, p.Wipe.Skeleton = name, skel
			if err == nil {
				aerr := c.Allow(p)
				if tc.wantErr == "" {
					assert.NoError(t, aerr)
				} else {
					require.Error(t, aerr)
					assert.Contains(t, aerr.Error(), tc.wantErr)
				}
			}
		})
	}
}

// accountWithUID finds an existing account with uid, as the rules see any
// name that maps to it.
func accountWithUID(t *testing.T, uid string) string {
	t.Helper()
	u, err := user.LookupId(uid)
	if err != nil {
		t.Skipf("no account with uid %s here", uid)
	}
	return u.Username
}

func existingGroup(t *testing.T, names ...string) string {
	t.Helper()
	for _, n := range names {
		if _, err := user.LookupGroup(n); err == nil {
			return n
		}
	}
	t.Skipf("none of the groups %v exists here", names)
	return ""
}
