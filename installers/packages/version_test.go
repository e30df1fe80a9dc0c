package packages

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseDescribe(t *testing.T) {
	cases := []struct {
		name, describe string
		commits        int
		want           Version
		wantErr        string
	}{
		{name: "release", describe: "v1.2.3", commits: 10, want: Version{Deb: "1.2.3", MSI: "1.2.3"}},
		{name: "after release", describe: "v1.2.3-4-g1a2b3c4", commits: 14, want: Version{Deb: "1.2.3+4.g1a2b3c4", MSI: "1.2.3"}},
		{name: "dirty release", describe: "v1.2.3-dirty\n", commits: 10, want: Version{Deb: "1.2.3+dirty", MSI: "1.2.3"}},
		{name: "untagged", describe: "ba422d0", commits: 198, want: Version{Deb: "0.0.0+git198.gba422d0", MSI: "0.0.198"}},
		{name: "untagged dirty", describe: "ba422d0-dirty", commits: 198, want: Version{Deb: "0.0.0+git198.gba422d0.dirty", MSI: "0.0.198"}},
		{name: "odd tag", describe: "release-2", commits: 1, wantErr: "tag releases vMAJOR.MINOR.PATCH"},
		{name: "too big for MSI", describe: "v300.0.0", commits: 1, wantErr: "does not fit an MSI"},
		{name: "too many commits for MSI", describe: "abcdef1", commits: 70000, wantErr: "does not fit an MSI"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseDescribe(tc.describe, tc.commits)
			if tc.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

// FuzzParseDescribe: whatever git says, a version either fits both
// formats or is refused; nothing panics.
func FuzzParseDescribe(f *testing.F) {
	f.Add("v1.2.3-4-g1a2b3c4-dirty", 3)
	f.Add("ba422d0", 198)
	f.Add("", 0)
	f.Fuzz(func(t *testing.T, describe string, commits int) {
		v, err := ParseDescribe(describe, commits)
		if err != nil {
			return
		}
		require.NoError(t, checkMSI(v.MSI))
		require.NotEmpty(t, v.Deb)
		require.Regexp(t, `^[0-9][A-Za-z0-9.+~]*$`, v.Deb, "a Debian version")
	})
}
