package wipe

import (
	"os"
	"strings"
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

func TestJobsOf(t *testing.T) {
	out := "pt2-4                   piste-visitor     1024   Fri Nov 27 06:38:51 2026\n" +
		"office-laser-12         staff             2048   Fri Nov 27 06:39:00 2026\n" +
		"pt2-5                   piste-visitor     1024   Fri Nov 27 06:38:55 2026\n" +
		"-x                      piste-visitor     1     odd line\n\n"
	assert.Equal(t, []string{"pt2-4", "pt2-5"}, jobsOf(out, "piste-visitor"))
	assert.Equal(t, []string{"office-laser-12"}, jobsOf(out, "staff"))
	assert.Empty(t, jobsOf(out, "piste"))
	assert.Empty(t, jobsOf("", "piste-visitor"))
}

func FuzzJobsOf(f *testing.F) {
	f.Add("pt2-4 piste-visitor 1024 Fri Nov 27 06:38:51 2026\n", "piste-visitor")
	f.Fuzz(func(t *testing.T, out, user string) {
		for _, id := range jobsOf(out, user) {
			if id == "" || strings.HasPrefix(id, "-") || strings.ContainsAny(id, " \t\n") {
				t.Fatalf("job id %q could be read by cancel as an option or several ids", id)
			}
		}
	})
}
