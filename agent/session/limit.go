package session

import (
	"fmt"
	"math"
	"time"

	"piste/agent/localapi"
)

// The terminal's own limit on card checks (logins and reservations): a
// person at the kiosk types a card and PIN every few seconds at most, so
// more than this is a script or a stuck key, and the library system is
// shared by the whole city. The fleet limits them too.
const (
	cardCheckBurst = 6                // checks at once
	cardCheckEvery = 10 * time.Second // one more check each
)

// cardBucket is a token bucket of card checks; the zero value is full.
type cardBucket struct {
	used float64 // checks spent and not yet earned back
	at   time.Time
}

// take spends one check at now, or refuses as rate_limited with the wait.
func (b *cardBucket) take(now time.Time) *localapi.Refusal {
	if !b.at.IsZero() && now.After(b.at) {
		b.used = math.Max(0, b.used-float64(now.Sub(b.at))/float64(cardCheckEvery))
	}
	b.at = now
	if b.used+1 <= cardCheckBurst {
		b.used++
		return nil
	}
	wait := time.Duration((b.used + 1 - cardCheckBurst) * float64(cardCheckEvery))
	secs := int((wait + time.Second - 1) / time.Second)
	return &localapi.Refusal{Code: localapi.RefusalRateLimited, RetryAfterSeconds: secs,
		Message: fmt.Sprintf("too many card checks on this terminal; try again in %d seconds", secs)}
}
