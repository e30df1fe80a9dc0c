package auth

import (
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
