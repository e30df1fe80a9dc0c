package auth

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPasswordHash(t *testing.T) {
	hash, err := HashPassword("correct horse battery")
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(hash, "$argon2id$v=19$"))
	assert.NotContains(t, hash, "correct horse")
	assert.NoError(t, CheckPassword(hash, "correct horse battery"))
	assert.ErrorIs(t, CheckPassword(hash, "correct horse batterY"), ErrMismatch)

	other, err := HashPassword("correct horse battery")
	require.NoError(t, err)
	assert.NotEqual(t, hash, other, "each hash has its own salt")

	_, err = HashPassword("short")
	assert.ErrorContains(t, err, "at least 10 characters")
	for _, bad := range []string{"", "plain", "$bcrypt$x$y$z$w", "$argon2id$v=19$m=x$salt$key", "$argon2id$v=18$m=1,t=1,p=1$c2FsdA$a2V5"} {
		assert.Error(t, CheckPassword(bad, "whatever"), bad)
	}
}

func TestLimiter(t *testing.T) {
	l := NewLimiter(3, time.Minute)
	now := time.Unix(1000, 0)
	for i := 0; i < 3; i++ {
		ok, _ := l.Allow("admin", now)
		require.True(t, ok)
		l.Fail("admin", now)
	}
	ok, wait := l.Allow("admin", now.Add(10*time.Second))
	assert.False(t, ok)
	assert.Equal(t, 50*time.Second, wait)
	ok, _ = l.Allow("someone-else", now)
	assert.True(t, ok, "keys are independent")
	ok, _ = l.Allow("admin", now.Add(time.Minute))
	assert.True(t, ok, "failures age out of the window")
	l.Fail("admin", now)
	l.Reset("admin")
	ok, _ = l.Allow("admin", now)
	assert.True(t, ok)
}

func TestTokensAndCodes(t *testing.T) {
	a, b := NewToken(), NewToken()
	assert.NotEqual(t, a, b)
	assert.Len(t, a, 43)
	assert.Len(t, HashToken(a), 64)
	assert.Equal(t, HashToken(a), HashToken(a))
	code := NewEnrollCode()
	assert.Regexp(t, `^[A-HJ-NP-Z2-9]{4}(-[A-HJ-NP-Z2-9]{4}){3}$`, code)
	assert.Equal(t, strings.ReplaceAll(code, "-", ""), strings.ReplaceAll(NormalizeCode(" "+strings.ToLower(code)+" "), "-", ""))
}

// Attempts in progress count against the limit, so a burst sent at once
// gets no more through than one sent in turn.
func TestLimiterCountsAttemptsInProgress(t *testing.T) {
	l := NewLimiter(3, time.Minute)
	now := time.Unix(1000, 0)
	for i := 0; i < 3; i++ {
		ok, _ := l.Begin("k", now)
		require.True(t, ok)
	}
	ok, wait := l.Begin("k", now)
	assert.False(t, ok, "three in flight fill the allowance")
	assert.Equal(t, inflightWait, wait)
	l.Finish("k", now, false)
	ok, _ = l.Begin("k", now)
	assert.True(t, ok, "a success frees its place")
	for i := 0; i < 3; i++ {
		l.Finish("k", now, true)
	}
	ok, wait = l.Begin("k", now.Add(10*time.Second))
	assert.False(t, ok)
	assert.Equal(t, 50*time.Second, wait, "three failures: wait until the oldest ages out")
}

func TestGuardPairAndAddress(t *testing.T) {
	g := NewGuard(DefaultLoginMemory)
	now := time.Unix(1000, 0)
	g.Now = func() time.Time { return now }
	for i := 0; i < PairAttempts; i++ {
		a, err := g.Begin("admin", "10.0.0.1")
		require.NoError(t, err)
		a.Finish(true)
	}
	_, err := g.Begin("admin", "10.0.0.1")
	var limit *LimitError
	require.ErrorAs(t, err, &limit)
	assert.Equal(t, int(LoginWindow.Seconds()), limit.Seconds())
	assert.Contains(t, err.Error(), "try again in 900 s")

	a, err := g.Begin("admin", "10.0.0.2")
	require.NoError(t, err, "the name is not locked from other addresses")
	a.Finish(false)
	for i := PairAttempts; i < AddressAttempts; i++ {
		a, err := g.Begin(fmt.Sprintf("name-%d", i), "10.0.0.1")
		require.NoError(t, err)
		a.Finish(true)
	}
	_, err = g.Begin("someone-new", "10.0.0.1")
	require.ErrorAs(t, err, &limit, "the address's allowance over all names is used up")
	assert.Contains(t, limit.Reason, "from your address")
}

// Password checks run under a fleet-wide limit: with every slot taken,
// further checks are refused at once or after MaxWait, never piled up.
func TestGuardCheckIsBoundedByMemory(t *testing.T) {
	g := NewGuard(2 * CheckMemory)
	require.Equal(t, 2, g.Slots())
	g.MaxWait = 10 * time.Millisecond
	for i := 0; i < g.Slots(); i++ {
		g.gate <- struct{}{} // checks in progress
	}
	err := g.Check(context.Background(), "", "guess")
	var limit *LimitError
	require.ErrorAs(t, err, &limit, "no slot within MaxWait")
	for i := 0; i < cap(g.queue); i++ {
		g.queue <- struct{}{}
	}
	require.ErrorAs(t, g.Check(context.Background(), "", "guess"), &limit, "a full queue refuses at once")
	for i := 0; i < cap(g.queue); i++ {
		<-g.queue
	}
	for i := 0; i < g.Slots(); i++ {
		<-g.gate
	}

	hash, err := HashPassword("correct horse battery")
	require.NoError(t, err)
	assert.NoError(t, g.Check(context.Background(), hash, "correct horse battery"))
	assert.ErrorIs(t, g.Check(context.Background(), hash, "wrong"), ErrMismatch)
	assert.ErrorIs(t, g.Check(context.Background(), "", "correct horse battery"), ErrMismatch, "an unknown name never matches")
}
