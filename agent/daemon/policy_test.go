package daemon

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"piste/policies/policy"
)

func TestPolicySavedAndLoaded(t *testing.T) {
	tests := []struct {
		name    string
		file    string // written as policy.json; "" writes nothing
		save    func(*policy.Policy)
		wantMax int
		wantErr bool
	}{
		{name: "no policy yet: defaults", wantMax: policy.Defaults().Session.MaxMinutes},
		{name: "saved policy", save: func(p *policy.Policy) { p.Session.MaxMinutes = 42 }, wantMax: 42},
		{name: "damaged file: defaults", file: `{"session":`, wantMax: policy.Defaults().Session.MaxMinutes, wantErr: true},
		{name: "invalid policy: defaults", file: `{"session":{"max_minutes":0}}`, wantMax: policy.Defaults().Session.MaxMinutes, wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if tc.file != "" {
				require.NoError(t, os.WriteFile(filepath.Join(dir, PolicyFile), []byte(tc.file), 0o644))
			}
			if tc.save != nil {
				p := policy.Defaults()
				tc.save(&p)
				require.NoError(t, savePolicy(dir, p))
			}
			p, err := loadPolicy(dir)
			if tc.wantErr {
				assert.ErrorContains(t, err, PolicyFile)
			} else {
				assert.NoError(t, err)
			}
			assert.Equal(t, tc.wantMax, p.Session.MaxMinutes)
			assert.NoFileExists(t, filepath.Join(dir, PolicyFile+".tmp"))
		})
	}
}
