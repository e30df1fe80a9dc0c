package wipe

import (
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseMountInfo(t *testing.T) {
	b, err := os.ReadFile("testdata/mountinfo.txt")
	require.NoError(t, err)
	ms, err := parseMountInfo(string(b))
	require.NoError(t, err)
	require.Len(t, ms, 6)
	assert.Equal(t, mount{ID: 27, Parent: 1, Dev: "254:0", Root: "/", Point: "/", Options: []string{"rw", "relatime"},
		FSType: "ext4", Source: "/dev/vda", Super: []string{"rw", "discard"}}, ms[0])
	assert.Equal(t, "/srv", ms[5].Root)
	assert.True(t, has(ms[3].Options, "nosuid"))
	mode, ok := option(ms[3].Super, "mode")
	assert.True(t, ok)
	assert.Equal(t, "700", mode)
	assert.Equal(t, "/home/piste visitor", ms[3].Point, "octal escapes must be undone")
	top, ok := topMount(ms, "/home/piste visitor")
	require.True(t, ok)
	assert.Equal(t, 46, top.ID)
	assert.Equal(t, "overlay", top.FSType)
	assert.Equal(t, sourceHome, top.Source)
	assert.Len(t, mountsAt(ms, "/home/piste visitor"), 2)
	below := mountsBelow(ms, "/home/piste visitor")
	require.Len(t, below, 1)
	assert.Equal(t, "/home/piste visitor/bind\nmount", below[0].Point)
	assert.Empty(t, mountsBelow(ms, "/home/piste"), "a sibling with a common prefix is not below")
}

func TestParseMountInfoErrors(t *testing.T) {
	for _, line := range []string{
		"x 1 0:1 / / rw - ext4 /dev/a rw",
		"1 y 0:1 / / rw - ext4 /dev/a rw",
		"1 2 0:1 / / rw shared:1 ext4 /dev/a rw",
		"1 2 0:1 / / rw -",
	} {
		_, err := parseMountInfo(line)
		assert.Error(t, err, line)
	}
}

func TestUnescapeOctal(t *testing.T) {
	cases := map[string]string{
		`a\040b`:     "a b",
		`tab\011`:    "tab\t",
		`back\134`:   `back\`,
		`short\04`:   `short\04`,
		`bad\400`:    `bad\400`,
		`\\040`:      `\ `, // the first backslash stays: it starts no escape
		"plain/path": "plain/path",
	}
	for in, want := range cases {
		assert.Equal(t, want, unescapeOctal(in), in)
	}
}

func FuzzParseMountInfo(f *testing.F) {
	b, err := os.ReadFile("testdata/mountinfo.txt")
	require.NoError(f, err)
	f.Add(string(b))
	f.Add(`1 2 0:1 / /a\040b rw - tmpfs x rw`)
	f.Fuzz(func(t *testing.T, text string) {
		ms, err := parseMountInfo(text)
		if err != nil {
			return
		}
		for _, m := range ms {
			_ = mountsBelow(ms, m.Point)
		}
	})
}
