package wipe

import (
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseProcStatus(t *testing.T) {
	b, err := os.ReadFile("testdata/status.txt")
	require.NoError(t, err)
	ps, err := parseProcStatus(string(b))
	require.NoError(t, err)
	assert.Equal(t, procStatus{Name: "passwd", State: 'S', UIDs: [4]uint32{1001, 0, 0, 0}}, ps)
	assert.True(t, ps.runsAs(1001), "a setuid program started by the visitor is theirs")
	assert.True(t, ps.runsAs(0))
	assert.False(t, ps.runsAs(1002))
	assert.False(t, ps.dead())
	assert.True(t, procStatus{State: 'Z'}.dead())
}

func TestParseProcStatusErrors(t *testing.T) {
	for _, text := range []string{
		"Name:\tx\nUid:\t1\t1\t1\t1\n",
		"State:\tS\n",
		"State:\tS\nUid:\t1\t1\t1\n",
		"State:\tS\nUid:\t1\t1\t1\tx\n",
		"State:\t\nUid:\t1\t1\t1\t1\n",
		"State:\tS\nUid:\t1\t1\t1\t99999999999\n",
	} {
		_, err := parseProcStatus(text)
		assert.Error(t, err, "%q", text)
	}
}

func FuzzParseProcStatus(f *testing.F) {
	b, err := os.ReadFile("testdata/status.txt")
	require.NoError(f, err)
	f.Add(string(b))
	f.Add("State:\tZ (zombie)\nUid:\t0\t0\t0\t0\n")
	f.Fuzz(func(t *testing.T, text string) {
		ps, err := parseProcStatus(text)
		if err == nil {
			_ = ps.runsAs(ps.UIDs[0])
		}
	})
}
