package visits

import (
	"sync"
	"time"
)

// pinWaits slows a guesser down before the full lockout: after the second
// wrong PIN in a row for a card, each further try must wait a little
// longer (2 s, 4 s, 8 s …), and the library system is not asked at all
// during the wait. The full lockout after pin_attempts stays in the store;
// the waits live in memory, keyed by the card's keyed hash, since losing
// them on a restart only shortens a few seconds' pause.
type pinWaits struct {
	mu    sync.Mutex
	cards map[string]*pinWait
}

type pinWait struct {
	failures int       // wrong PINs in a row
	until    time.Time // no try before this
	busy     bool      // a try is with the library system now
}

const (
	// pinWaitFrom is the wrong PIN in a row after which tries are slowed.
	pinWaitFrom = 2
	// pinWaitFirst is the first wait; each further wrong PIN doubles it.
	pinWaitFirst = 2 * time.Second
	// pinWaitMax caps the wait, so it stays well below any lockout.
	pinWaitMax = 30 * time.Second
	// pinWaitsSweep is how many cards are held before stale ones are dropped.
	pinWaitsSweep = 1024
)

// waitFor returns the pause after failures wrong PINs in a row (zero when
// none is due), capped below lockout.
func waitFor(failures int, lockout time.Duration) time.Duration {
	if failures < pinWaitFrom {
		return 0
	}
	d := pinWaitMax
	if n := failures - pinWaitFrom; n < 5 {
		d = min(pinWaitFirst<<n, pinWaitMax)
	}
	return min(d, lockout/2)
}

// begin claims a try for hash at now. It returns how long to wait instead
// when the card is in its pause, or when another slowed try for it is
// still with the library system (so parallel guesses do not slip past).
func (w *pinWaits) begin(hash string, now time.Time) (time.Duration, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	c := w.cards[hash]
	if c == nil || c.failures < pinWaitFrom {
		return 0, true
	}
	if now.Before(c.until) {
		return c.until.Sub(now), false
	}
	if c.busy {
		return pinWaitFirst, false
	}
	c.busy = true
	return 0, true
}

// failed counts a wrong PIN for hash and returns the pause it starts.
func (w *pinWaits) failed(hash string, lockout time.Duration, now time.Time) time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.cards == nil {
		w.cards = map[string]*pinWait{}
	}
	c := w.cards[hash]
	if c == nil {
		w.sweep(now, lockout)
		c = &pinWait{}
		w.cards[hash] = c
	}
	c.failures++
	c.busy = false
	d := waitFor(c.failures, lockout)
	c.until = now.Add(d)
	return d
}

// done ends a try that was not a wrong PIN. A right PIN (ok) forgets the
// card's wrong PINs; any other answer leaves the count as it was.
func (w *pinWaits) done(hash string, ok bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if ok {
		delete(w.cards, hash)
		return
	}
	if c := w.cards[hash]; c != nil {
		c.busy = false
	}
}

// locked forgets a card's count once the store has locked it: the lockout
// replaces the pauses, and the count starts again after it.
func (w *pinWaits) locked(hash string) {
	w.mu.Lock()
	delete(w.cards, hash)
	w.mu.Unlock()
}

// sweep drops cards whose last wrong PIN is older than lockout, so a
// stream of guessed card numbers cannot grow the map without end.
func (w *pinWaits) sweep(now time.Time, lockout time.Duration) {
	if len(w.cards) < pinWaitsSweep {
		return
	}
	for h, c := range w.cards {
		if !c.busy && now.Sub(c.until) > lockout {
			delete(w.cards, h)
		}
	}
}
