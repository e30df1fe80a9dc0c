package audit

import (
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"piste/fleet/fault"
)

func TestParseFilter(t *testing.T) {
	f, err := ParseFilter(url.Values{"actor": {"ada"}, "action": {"command:*"}, "since": {"2026-11-01"},
		"until": {"2026-12-01T08:00:00Z"}, "limit": {"50"}})
	require.NoError(t, err)
	assert.Equal(t, "ada", f.Actor)
	assert.Equal(t, "command:*", f.Action)
	assert.Equal(t, time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), f.Since)
	assert.Equal(t, time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC), f.Until)
	assert.Equal(t, 50, f.Limit)
	for _, bad := range []url.Values{{"since": {"1.11.2026"}}, {"limit": {"0"}}, {"limit": {"5000"}}, {"until": {"x"}}} {
		_, err := ParseFilter(bad)
		_, ok := fault.AsField(err)
		assert.True(t, ok, "%v: %v", bad, err)
	}
}

func FuzzParseFilter(f *testing.F) {
	for _, q := range []string{"actor=ada&action=command:*", "since=2026-11-01&until=2026-12-01", "limit=1000", "limit=-1", "since=%ff"} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, q string) {
		v, err := url.ParseQuery(q)
		if err != nil {
			return
		}
		flt, err := ParseFilter(v)
		if err != nil {
			if _, ok := fault.AsField(err); !ok {
				t.Fatalf("%q: not a field error: %v", q, err)
			}
			return
		}
		if flt.Limit < 1 || flt.Limit > 1000 {
			t.Fatalf("%q: limit %d", q, flt.Limit)
		}
	})
}
