package screens

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"piste/agent/localapi"
)

func TestLockedOutSaysSecondsOrMinutes(t *testing.T) {
	tests := []struct {
		retry int
		lang  string
		want  string
	}{
		{4, "en", "Wait 4 seconds"},
		{4, "fi", "Odota 4 sekuntia"},
		{4, "sv", "Vänta 4 sekunder"},
		{59, "en", "Wait 59 seconds"},
		{60, "en", "Try again in 1 min."},
		{900, "en", "Try again in 15 min."},
		{0, "en", "Try again in 1 min."},
	}
	for _, tc := range tests {
		got := refusalText(tc.lang, &localapi.Refusal{Code: localapi.RefusalLockedOut, RetryAfterSeconds: tc.retry})
		assert.Contains(t, got, tc.want, "%d s in %s", tc.retry, tc.lang)
	}
}
