package visits

import (
	"context"
	"errors"
	"math"
	"sync"
	"time"

	"piste/fleet/protocol"
)

// CardCheckLimits bound how often library cards are checked with the
// library system (card logins and reservations): per terminal, so one
// visitor cannot keep the library system busy, and for the whole fleet,
// so that many cannot. Each is a token bucket that starts full.
type CardCheckLimits struct {
	// PerTerminal is the most checks one terminal may make per minute,
	// all of them at once at most; 0 means no limit.
	PerTerminal int
	// Fleet is the most checks per second across the fleet, all of them
	// at once at most; 0 means no limit.
	Fleet int
}

// DefaultCardCheckLimits fit a visitor typing at a kiosk (a try every few
// seconds at most) and a library system of a few dozen connections.
var DefaultCardCheckLimits = CardCheckLimits{PerTerminal: 12, Fleet: 100}

// bucket is one token bucket.
type bucket struct {
	tokens float64
	at     time.Time
}

// cardChecks holds the buckets; terminals are enrolled ones only (the
// caller has checked the token), so the map stays as small as the fleet.
type cardChecks struct {
	mu        sync.Mutex
	terminals map[string]*bucket
	fleet     bucket
}

// refill tops b up for the time since its last use, at rate per second up
// to size, and returns how long until it holds one token.
func (b *bucket) refill(now time.Time, size, rate float64) time.Duration {
	if b.at.IsZero() {
		b.tokens = size
	} else if d := now.Sub(b.at).Seconds(); d > 0 {
		b.tokens = math.Min(size, b.tokens+d*rate)
	}
	b.at = now
	if b.tokens >= 1 {
		return 0
	}
	return time.Duration((1 - b.tokens) / rate * float64(time.Second))
}

// take spends one check for terminal at now, or says how long to wait.
// A refused check spends nothing.
func (c *cardChecks) take(l CardCheckLimits, terminal string, now time.Time) (wait time.Duration, fleetWide bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var tb *bucket
	if l.PerTerminal > 0 {
		if c.terminals == nil {
			c.terminals = map[string]*bucket{}
		}
		if tb = c.terminals[terminal]; tb == nil {
			tb = &bucket{}
			c.terminals[terminal] = tb
		}
		if w := tb.refill(now, float64(l.PerTerminal), float64(l.PerTerminal)/60); w > 0 {
			return w, false
		}
	}
	if l.Fleet > 0 {
		if w := c.fleet.refill(now, float64(l.Fleet), float64(l.Fleet)); w > 0 {
			return w, true
		}
		c.fleet.tokens--
	}
	if tb != nil {
		tb.tokens--
	}
	return 0, false
}

// admitCardCheck refuses a card check over the limits as rate_limited,
// saying when to try again.
func (s *Service) admitCardCheck(terminal string, now time.Time) error {
	wait, fleetWide := s.checks.take(s.Limits, terminal, now)
	if wait <= 0 {
		return nil
	}
	wait = max(wait.Round(time.Second), time.Second)
	var r *Refusal
	if fleetWide {
		r = refuse(protocol.RefusalRateLimited, "the library system is checking too many cards just now; try again in %d seconds", int(wait/time.Second))
	} else {
		r = refuse(protocol.RefusalRateLimited, "too many card checks from this computer; try again in %d seconds", int(wait/time.Second))
	}
	r.RetryAfter = wait
	return r
}

// answerBy bounds a visitor call by the fleet's own deadline, which is
// shorter than the agent's wait for the answer.
func (s *Service) answerBy(ctx context.Context) (context.Context, context.CancelFunc) {
	d := s.Deadline
	if d <= 0 {
		d = protocol.VisitorAnswerDeadline
	}
	return context.WithTimeout(ctx, d)
}

// inTime turns a call that ran out of its deadline into the refusal the
// visitor sees: the library system is not answering now.
func (s *Service) inTime(ctx context.Context, what string, err error) error {
	if err == nil {
		return nil
	}
	if _, ok := AsRefusal(err); ok {
		return err
	}
	if ctx.Err() == nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	s.Log.Warn(what+": no answer within the deadline", "err", err)
	return refuse(protocol.RefusalUnavailable, "the library system did not answer in time; try again soon or ask the staff")
}
