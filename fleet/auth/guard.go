package auth

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"math"
	"time"

	"golang.org/x/crypto/argon2"
)

// LimitError refuses a login attempt for now; After says when to try again.
type LimitError struct {
	After  time.Duration
	Reason string
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("%s; try again in %d s", e.Reason, e.Seconds())
}

// Seconds is After in whole seconds, at least 1 (for a Retry-After header).
func (e *LimitError) Seconds() int { return max(1, int(math.Ceil(e.After.Seconds()))) }

// Default login limits: failures (and attempts in progress) per name from
// one address, and per address over all names, within LoginWindow.
const (
	PairAttempts    = 5
	AddressAttempts = 20
	LoginWindow     = 15 * time.Minute
	// DefaultLoginMemory is the memory all password checks in flight may
	// use together.
	DefaultLoginMemory = 128 << 20
)

// Guard is what every staff password check goes through. It slows guessing
// down per (name, address) pair and per address, never per name alone (so
// nobody can lock an account out for everyone), and it runs argon2 under
// a fleet-wide limit sized to memory, so a flood of logins cannot make the
// server run out of it.
type Guard struct {
	Pair    *Limiter // key: name + address
	Address *Limiter // key: address
	gate    chan struct{}
	queue   chan struct{}
	// MaxWait bounds how long a check waits for a free argon2 slot.
	MaxWait time.Duration
	Now     func() time.Time
	dummy   string
}

// maxWaiting is how many checks may wait for a slot; more are refused at
// once rather than piling up.
const maxWaiting = 32

// CheckMemory is what one password check costs in memory: argon2's
// array, counted twice because it stays garbage after the check until the
// collector runs, and the heap grows to twice what is live before it does.
const CheckMemory = 2 * argonMemory << 10

// NewGuard returns a Guard whose password checks in flight use at most
// memory bytes together (at least one check runs).
func NewGuard(memory int64) *Guard {
	slots := max(1, int(memory/CheckMemory))
	return &Guard{
		Pair:    NewLimiter(PairAttempts, LoginWindow),
		Address: NewLimiter(AddressAttempts, LoginWindow),
		gate:    make(chan struct{}, slots),
		queue:   make(chan struct{}, slots+maxWaiting),
		MaxWait: 15 * time.Second,
		Now:     time.Now,
		dummy:   dummyHash(),
	}
}

// Slots is how many password checks may run at once.
func (g *Guard) Slots() int { return cap(g.gate) }

// dummyHash is a hash no password matches, with the cost of a real one:
// checking an unknown name against it takes as long as a known one.
func dummyHash() string {
	salt, key := make([]byte, saltLen), make([]byte, argonKeyLen)
	rand.Read(salt)
	rand.Read(key)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
}

// Attempt is a login attempt in progress; it counts against its pair's
// and address's limits until Finish.
type Attempt struct {
	g          *Guard
	pair, addr string
	done       bool
}

// Begin starts an attempt of name from addr, or refuses it with a
// *LimitError when the pair or the address has used up its attempts.
func (g *Guard) Begin(name, addr string) (*Attempt, error) {
	now := g.Now()
	pair := pairKey(name, addr)
	if ok, wait := g.Pair.Begin(pair, now); !ok {
		return nil, &LimitError{After: wait, Reason: "too many failed logins for this name from your address"}
	}
	if ok, wait := g.Address.Begin(addr, now); !ok {
		g.Pair.Finish(pair, now, false)
		return nil, &LimitError{After: wait, Reason: "too many failed logins from your address"}
	}
	return &Attempt{g: g, pair: pair, addr: addr}, nil
}

// Finish ends the attempt: a failure counts against the pair and the
// address; a success forgets the pair's failures (not the address's, so
// one good account does not reset an address's guessing).
func (a *Attempt) Finish(failed bool) {
	if a.done {
		return
	}
	a.done = true
	now := a.g.Now()
	a.g.Pair.Finish(a.pair, now, failed)
	a.g.Address.Finish(a.addr, now, failed)
	if !failed {
		a.g.Pair.Reset(a.pair)
	}
}

// Forget clears the failures of a name from an address and of the address.
func (g *Guard) Forget(name, addr string) {
	g.Pair.Reset(pairKey(name, addr))
	g.Address.Reset(addr)
}

func pairKey(name, addr string) string { return name + "\x00" + addr }

// busyError is told when the fleet-wide limit is reached.
func busyError() error {
	return &LimitError{After: 2 * time.Second, Reason: "the server is checking many logins at once"}
}

// Check compares password with encoded (or, when encoded is "", with a
// dummy hash of the same cost, and reports ErrMismatch) under the
// fleet-wide limit. Checks beyond the slots wait, at most maxWaiting of
// them; the rest, and a check that cannot get a slot within MaxWait, are
// refused with a *LimitError.
func (g *Guard) Check(ctx context.Context, encoded, password string) error {
	select {
	case g.queue <- struct{}{}:
	default:
		return busyError()
	}
	defer func() { <-g.queue }()
	timer := time.NewTimer(g.MaxWait)
	defer timer.Stop()
	select {
	case g.gate <- struct{}{}:
	case <-timer.C:
		return busyError()
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-g.gate }()
	if encoded == "" {
		CheckPassword(g.dummy, password)
		return ErrMismatch
	}
	return CheckPassword(encoded, password)
}
