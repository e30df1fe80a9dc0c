package protocol

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestUpdateOfferValidate(t *testing.T) {
	good := UpdateOffer{RolloutID: 1, Version: "1.2.0", Path: ReleasePath("1.2.0", "linux", "amd64"),
		SHA256: strings.Repeat("ab", 32), Size: 10, Signature: "sig"}
	require.NoError(t, good.Validate())
	for name, mutate := range map[string]func(*UpdateOffer){
		"no rollout":      func(o *UpdateOffer) { o.RolloutID = 0 },
		"path elsewhere":  func(o *UpdateOffer) { o.Path = "/api/v1/terminals" },
		"path climbs":     func(o *UpdateOffer) { o.Path = PathAgentReleases + "../../x" },
		"short hash":      func(o *UpdateOffer) { o.SHA256 = "ab" },
		"upper-case hash": func(o *UpdateOffer) { o.SHA256 = strings.Repeat("AB", 32) },
		"too large":       func(o *UpdateOffer) { o.Size = MaxReleaseBytes + 1 },
		"no signature":    func(o *UpdateOffer) { o.Signature = "" },
		"rollback to ''":  func(o *UpdateOffer) { o.Rollback = true },
	} {
		o := good
		mutate(&o)
		assert.ErrorIs(t, o.Validate(), ErrMalformed, name)
	}
}

func FuzzUpdateMessages(f *testing.F) {
	f.Add([]byte(`{"rollout_id":1,"version":"1.2.0","path":"/api/v1/agent/releases/1.2.0/linux/amd64","sha256":"` + strings.Repeat("0", 64) + `","size":5,"signature":"s"}`))
	f.Add([]byte(`{"rollout_id":3,"version":"1.2.0","status":"healthy","running":"1.2.0"}`))
	f.Add([]byte(`{"rollout_id":1,"version":"1.2.0","rollback":true,"rollback_to":"1.1.0"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var o UpdateOffer
		if json.Unmarshal(data, &o) == nil && o.Validate() == nil && !o.Rollback {
			require.True(t, strings.HasPrefix(o.Path, PathAgentReleases))
			require.NotContains(t, o.Path, "..")
			require.LessOrEqual(t, o.Size, int64(MaxReleaseBytes))
		}
		var r UpdateReport
		if json.Unmarshal(data, &r) == nil && r.Validate() == nil {
			require.LessOrEqual(t, len(r.Detail), 1024)
		}
	})
}
