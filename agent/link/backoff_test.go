package link

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBackoffGrowsWithFullJitterAndCaps(t *testing.T) {
	b := &Backoff{Base: time.Second, Max: time.Minute}
	for attempt := 0; attempt < 12; attempt++ {
		ceil := min(time.Minute, time.Second<<attempt)
		d := b.Next()
		assert.Greater(t, d, time.Duration(0))
		assert.LessOrEqual(t, d, ceil, "attempt %d", attempt)
	}
	// Full jitter: delays at the cap spread over the whole range.
	var low, high int
	for i := 0; i < 400; i++ {
		if d := b.Next(); d < 20*time.Second {
			low++
		} else if d > 40*time.Second {
			high++
		}
	}
	assert.Greater(t, low, 50)
	assert.Greater(t, high, 50)
	b.Reset()
	assert.LessOrEqual(t, b.Next(), time.Second)
}

func TestJitterStaysWithinTwentyPercent(t *testing.T) {
	for i := 0; i < 1000; i++ {
		d := Jitter(30 * time.Second)
		require.GreaterOrEqual(t, d, 24*time.Second)
		require.LessOrEqual(t, d, 36*time.Second)
	}
}

func TestServerURLAndFingerprintChecks(t *testing.T) {
	for _, ok := range []string{"https://fleet.example:8443", "http://127.0.0.1:8080", "http://localhost:8080", "http://[::1]:8080"} {
		_, err := CheckServerURL(ok)
		assert.NoError(t, err, ok)
	}
	for bad, msg := range map[string]string{
		"http://192.0.2.1:8080": "plain http is allowed only to localhost",
		"ftp://fleet":           "scheme must be https",
		"fleet.example":         "want https://host:port",
		"":                      "want https://host:port",
	} {
		_, err := CheckServerURL(bad)
		assert.ErrorContains(t, err, msg, bad)
	}
	pin, err := ParseFingerprint("SHA256:" + strings.Repeat("AB", 32))
	require.NoError(t, err)
	assert.Equal(t, "sha256:"+strings.Repeat("ab", 32), pin, "pins compare case-insensitively")
	for _, bad := range []string{"", "sha256:xyz", "md5:00", "sha256:" + "00"} {
		_, err := ParseFingerprint(bad)
		assert.Error(t, err, bad)
	}
}
