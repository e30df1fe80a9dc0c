package visits

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"piste/fleet/protocol"
	"piste/fleet/store"
	"piste/policies/policy"
)

func TestCardKeyIsMadeOnceAndPrivate(t *testing.T) {
	dir := t.TempDir()
	a, err := LoadCards(dir)
	require.NoError(t, err)
	info, err := os.Stat(filepath.Join(dir, KeyFile))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())
	b, err := LoadCards(dir)
	require.NoError(t, err)
	assert.Equal(t, a.Hash("2000 0001"), b.Hash("20000001"), "same key, spaces ignored")
	assert.NotContains(t, a.Hash("20000001"), "20000001")
	other, err := LoadCards(t.TempDir())
	require.NoError(t, err)
	assert.NotEqual(t, a.Hash("20000001"), other.Hash("20000001"), "a hash depends on the key")
	assert.Equal(t, "0001", Hint("2000 0001"))
	assert.Equal(t, "12", Hint("12"))

	require.NoError(t, os.WriteFile(filepath.Join(dir, KeyFile), []byte("short"), 0o600))
	_, err = LoadCards(dir)
	assert.ErrorContains(t, err, "shorter than 32 bytes")
}

func TestCaps(t *testing.T) {
	p := policy.Defaults()
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	res := func(from time.Duration, card string) store.Reservation {
		return store.Reservation{StartsAt: now.Add(from), CardHash: card}
	}
	tests := []struct {
		name      string
		from      time.Time
		want      int
		closing   time.Time
		live      []store.Reservation
		minutes   int
		reason    protocol.RefusalCode
		atClosing bool
	}{
		{"nothing limits", now, 60, time.Time{}, nil, 60, protocol.RefusalQuotaExhausted, false},
		{"closing minus five", now, 60, now.Add(30 * time.Minute), nil, 25, protocol.RefusalClosed, true},
		{"too close to closing", now, 60, now.Add(4 * time.Minute), nil, 0, protocol.RefusalClosed, true},
		{"someone else's reservation", now, 60, time.Time{}, []store.Reservation{res(20*time.Minute, "b")}, 20, protocol.RefusalReserved, false},
		{"own reservation does not cap", now, 60, time.Time{}, []store.Reservation{res(20*time.Minute, "a")}, 60, protocol.RefusalQuotaExhausted, false},
		{"held slot running blocks an extension", now.Add(10 * time.Minute), 15, time.Time{}, []store.Reservation{res(-time.Minute, "b")}, 0, protocol.RefusalReserved, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := caps(p, now, tc.from, tc.want, tc.closing, tc.live, "a")
			assert.Equal(t, tc.minutes, l.minutes)
			assert.Equal(t, tc.reason, l.reason)
			assert.Equal(t, tc.atClosing, l.atClosing)
		})
	}
}

func TestCardKeyFileOutsideDataDir(t *testing.T) {
	key := make([]byte, 32)
	for i := range key {
		key[i] = byte(i)
	}
	tests := []struct {
		name    string
		write   bool
		mode    os.FileMode
		wantErr string
	}{
		{"owner only", true, 0o600, ""},
		{"read-only for the owner", true, 0o400, ""},
		{"readable by others", true, 0o644, "chmod 600"},
		{"readable by the group", true, 0o640, "chmod 600"},
		{"missing", false, 0, "does not exist"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "card.key")
			if tc.write {
				require.NoError(t, os.WriteFile(path, key, 0o600))
				require.NoError(t, os.Chmod(path, tc.mode))
			}
			c, err := LoadCardsFile(path)
			if tc.wantErr != "" {
				assert.ErrorContains(t, err, tc.wantErr)
				assert.ErrorContains(t, err, path, "the message names the file")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, NewCards(key).Hash("20000001"), c.Hash("20000001"))
		})
	}
}

func TestCardKeyInDataDirReadableByOthersIsRefused(t *testing.T) {
	dir := t.TempDir()
	_, err := LoadCards(dir)
	require.NoError(t, err)
	require.NoError(t, os.Chmod(filepath.Join(dir, KeyFile), 0o644))
	_, err = LoadCards(dir)
	assert.ErrorContains(t, err, "chmod 600")
}
