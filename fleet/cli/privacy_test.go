package cli

import (
	"flag"
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
