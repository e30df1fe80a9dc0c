package cli

import (
	"flag"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"piste/fleet/retention"
	"piste/fleet/server"
)

func TestServeRetentionSettings(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		yaml    string
		want    func(*retention.Config)
		wantErr string
	}{
		{name: "defaults", want: func(*retention.Config) {}},
		{name: "flags in days and hours", args: []string{"--retention-events", "14d", "--retention-visits", "36h"},
			want: func(c *retention.Config) { c.Events, c.Visits = 14*24*time.Hour, 36*time.Hour }},
		{name: "config file", yaml: "retention-audit: 730d\nretention-wipe-receipts: 30d\ncard-key-file: /secrets/card.key\n",
			want: func(c *retention.Config) { c.Audit, c.WipeReceipts = 730*24*time.Hour, 30*24*time.Hour }},
		{name: "flag wins over the file", args: []string{"--retention-audit", "400d"}, yaml: "retention-audit: 730d\n",
			want: func(c *retention.Config) { c.Audit = 400 * 24 * time.Hour }},
		{name: "too short to keep today's quota", args: []string{"--retention-visits", "6h"},
			wantErr: "--retention-visits must be between 26h and 366d, got 6h"},
		{name: "not a duration in the file", yaml: "retention-events: a month\n",
			wantErr: `line 1: retention-events: "a month" is not a duration like 30d or 36h`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs := flag.NewFlagSet("serve", flag.ContinueOnError)
			var priv privacyFlags
			priv.register(fs)
			require.NoError(t, fs.Parse(tc.args))
			var cfg server.Config
			err := func() error {
				if tc.yaml != "" {
					if err := applyConfigFile(fs, writeFile(t, "fleet.yaml", tc.yaml)); err != nil {
						return err
					}
				}
				return priv.apply(&cfg)
			}()
			if tc.wantErr != "" {
				assert.ErrorContains(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			want := retention.Defaults()
			tc.want(&want)
			assert.Equal(t, want, cfg.Retention)
		})
	}
}

func TestSIP2LoginStaysOffArgv(t *testing.T) {
	good := writeFile(t, "login", "scclient:secret\n")
	readable := writeFile(t, "login", "scclient:secret\n")
	require.NoError(t, os.Chmod(readable, 0o644))
	groupReadable := writeFile(t, "login", "scclient:secret\n")
	require.NoError(t, os.Chmod(groupReadable, 0o640))
	tests := []struct {
		name     string
		flags    sip2Flags
		stdin    string
		wantUser string
		wantErr  string
	}{
		{name: "file only its owner reads", flags: sip2Flags{loginFile: good}, wantUser: "scclient"},
		{name: "from stdin", flags: sip2Flags{loginFile: "-"}, stdin: "scclient:secret\n", wantUser: "scclient"},
		{name: "file others can read", flags: sip2Flags{loginFile: readable}, wantErr: "chmod 600 " + readable},
		{name: "file the group can read", flags: sip2Flags{loginFile: groupReadable}, wantErr: "chmod 600 " + groupReadable},
		{name: "empty stdin", flags: sip2Flags{loginFile: "-"}, wantErr: "USER:PASS"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := tc.flags
			f.addr, f.institution, f.timeout, f.connections = "h:1", "X", 5*time.Second, 4
			f.stdin = strings.NewReader(tc.stdin)
			cfg, err := f.config()
			if tc.wantErr != "" {
				assert.ErrorContains(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.wantUser, cfg.User)
			assert.Equal(t, "secret", cfg.Password)
		})
	}

	t.Run("on the command line", func(t *testing.T) {
		code, _, errOut := runCLI(t, "serve", "--data", t.TempDir(), "--sip2", "h:1", "--sip2-login", "scclient:secret", "--sip2-institution", "X")
		assert.Equal(t, 2, code)
		assert.Contains(t, errOut, "may not be given on the command line")
		assert.Contains(t, errOut, "--sip2-login-file")
		assert.NotContains(t, errOut, "secret", "the refusal does not echo the password")
	})
	t.Run("in the config file", func(t *testing.T) {
		cfgFile := writeFile(t, "fleet.yaml", "sip2-login: scclient:secret\n")
		code, _, errOut := runCLI(t, "serve", "--data", t.TempDir(), "--config", cfgFile)
		assert.Equal(t, 2, code)
		assert.Contains(t, errOut, "--sip2-login-file")
	})
}

func TestSIP2TLSSettings(t *testing.T) {
	key := writeFile(t, "client.key", "not a key")
	readableKey := writeFile(t, "client.key", "not a key")
	require.NoError(t, os.Chmod(readableKey, 0o644))
	notPEM := writeFile(t, "ca.pem", "not a certificate")
	tests := []struct {
		name    string
		flags   sip2Flags
		wantTLS bool
		wantErr string
	}{
		{name: "plain", flags: sip2Flags{}},
		{name: "TLS with the system's CAs", flags: sip2Flags{tls: true}, wantTLS: true},
		{name: "CA file without TLS", flags: sip2Flags{caFile: notPEM}, wantErr: "need --sip2-tls"},
		{name: "CA file that is no certificate", flags: sip2Flags{tls: true, caFile: notPEM}, wantErr: "--sip2-ca-file: " + notPEM + " holds no PEM certificate"},
		{name: "client certificate without its key", flags: sip2Flags{tls: true, clientCert: key}, wantErr: "go together"},
		{name: "client key others can read", flags: sip2Flags{tls: true, clientCert: key, clientKey: readableKey}, wantErr: "chmod 600 " + readableKey},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := tc.flags
			f.addr, f.institution, f.timeout, f.connections = "h:1", "X", 5*time.Second, 4
			f.loginFile, f.stdin = "-", strings.NewReader("scclient:secret\n")
			cfg, err := f.config()
			if tc.wantErr != "" {
				assert.ErrorContains(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.wantTLS, cfg.TLS != nil)
		})
	}
}
