package auth

import (
	"sync"
	"time"
)

// Limiter slows down password guessing: after Max failures for one key
// within Window, further attempts are refused until the window has passed.
// Attempts begun with Begin and not yet finished count as failures until
// they finish, so a burst sent all at once is held to Max as well.
type Limiter struct {
	Max    int
	Window time.Duration

	mu       sync.Mutex
	failures map[string][]time.Time
	inflight map[string]int
}

// NewLimiter returns a limiter allowing max failures per window.
func NewLimiter(max int, window time.Duration) *Limiter {
	return &Limiter{Max: max, Window: window, failures: map[string][]time.Time{}, inflight: map[string]int{}}
}

// Allow reports whether key may try now, and if not, how long to wait.
func (l *Limiter) Allow(key string, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.allow(key, now)
}

// inflightWait is the wait told to a client refused only because its
// earlier attempts are still being checked: they end within seconds.
const inflightWait = 2 * time.Second

func (l *Limiter) allow(key string, now time.Time) (bool, time.Duration) {
	recent := l.prune(key, now)
	if len(recent)+l.inflight[key] < l.Max {
		return true, 0
	}
	if len(recent) < l.Max {
		return false, inflightWait
	}
	return false, recent[len(recent)-l.Max].Add(l.Window).Sub(now)
}

// Begin starts an attempt for key if it may try now; otherwise it returns
// false and how long to wait. A begun attempt ends with Finish.
func (l *Limiter) Begin(key string, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	ok, wait := l.allow(key, now)
	if ok {
		l.inflight[key]++
	}
	return ok, wait
}

// Finish ends an attempt begun with Begin, recording a failure if it failed.
func (l *Limiter) Finish(key string, now time.Time, failed bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.inflight[key]--; l.inflight[key] <= 0 {
		delete(l.inflight, key)
	}
	if failed {
		l.failures[key] = append(l.prune(key, now), now)
	}
}

// Fail records a failed attempt.
func (l *Limiter) Fail(key string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.failures[key] = append(l.prune(key, now), now)
}

// Reset forgets a key's failures after a success.
func (l *Limiter) Reset(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.failures, key)
}

func (l *Limiter) prune(key string, now time.Time) []time.Time {
	list := l.failures[key]
	i := 0
	for i < len(list) && now.Sub(list[i]) >= l.Window {
		i++
	}
	list = list[i:]
	if len(list) == 0 {
		delete(l.failures, key)
		return nil
	}
	l.failures[key] = list
	return list
}
