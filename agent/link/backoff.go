package link

import (
	"math/rand/v2"
	"time"
)

// Backoff yields reconnect delays: exponential with full jitter, so that
// thousands of terminals losing the fleet at once come back spread out.
type Backoff struct {
	Base, Max time.Duration
	attempt   int
}

// Next returns the next delay, uniformly random in [0, min(Max, Base·2^n)).
func (b *Backoff) Next() time.Duration {
	ceil := b.Max
	if b.attempt < 30 {
		if d := b.Base << b.attempt; d > 0 && d < b.Max {
			ceil = d
		}
	}
	b.attempt++
	return time.Duration(rand.Int64N(int64(ceil)) + 1)
}

// Reset starts over after a good connection.
func (b *Backoff) Reset() { b.attempt = 0 }

// Jitter spreads a periodic interval by ±20 %, so terminals that started
// together do not report together forever.
func Jitter(d time.Duration) time.Duration {
	return d*8/10 + time.Duration(rand.Int64N(int64(d*4/10)+1))
}
