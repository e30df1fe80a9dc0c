package wipe

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestDiff(t *testing.T) {
	file := Entry{Path: "a", Type: TypeFile, Mode: 0o644, UID: 1000, GID: 1000, Size: 3, SHA256: "abc"}
	want := Manifest{"": {Type: TypeDir, Mode: 0o700}, "a": file}
	cases := []struct {
		name string
		got  Manifest
		want []Difference
	}{
		{"same", Manifest{"": want[""], "a": file}, nil},
		{"missing", Manifest{"": want[""]}, []Difference{{"a", "missing"}}},
		{"unexpected", Manifest{"": want[""], "a": file, "b": {Type: TypeFIFO}}, []Difference{{"b", "unexpected fifo"}}},
		{"type", Manifest{"": want[""], "a": {Type: TypeSymlink, Mode: 0o644, UID: 1000, GID: 1000}}, []Difference{{"a", "is a symlink, want a file"}}},
		{"owner", Manifest{"": want[""], "a": with(file, func(e *Entry) { e.UID = 0 })}, []Difference{{"a", "owner 0:1000, want 1000:1000"}}},
		{"mode", Manifest{"": want[""], "a": with(file, func(e *Entry) { e.Mode = 0o4755 })}, []Difference{{"a", "mode 4755, want 0644"}}},
		{"size", Manifest{"": want[""], "a": with(file, func(e *Entry) { e.Size = 4 })}, []Difference{{"a", "size 4, want 3"}}},
		{"content", Manifest{"": want[""], "a": with(file, func(e *Entry) { e.SHA256 = "def" })}, []Difference{{"a", "content differs from the skeleton"}}},
		{"xattr", Manifest{"": want[""], "a": with(file, func(e *Entry) { e.Xattrs = []string{"user.x"} })}, []Difference{{"a", `extended attributes ["user.x"], want []`}}},
		{"mount", Manifest{"": want[""], "a": {Type: TypeMount}}, []Difference{{"a", "is a mount, want a file"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, diff(want, tc.got, comparePOSIX))
		})
	}
}

func with(e Entry, f func(*Entry)) Entry {
	f(&e)
	return e
}

func TestDiffWithoutOwnersAndModes(t *testing.T) {
	want := Manifest{"a": {Type: TypeFile, Mode: 0o644, UID: 1000, Size: 1, SHA256: "x"}}
	got := Manifest{"a": {Type: TypeFile, Mode: 0o666, UID: 0, Size: 1, SHA256: "x"}}
	assert.Empty(t, diff(want, got, compareOpts{}))
	assert.NotEmpty(t, diff(want, got, comparePOSIX))
}

func TestReusable(t *testing.T) {
	file := Entry{Type: TypeFile, Mode: 0o644, UID: 1, GID: 1, Size: 3, SHA256: "h"}
	cases := []struct {
		name      string
		want, got Entry
		links     uint64
		protected bool
		reuse     bool
	}{
		{"identical file", file, file, 1, false, true},
		{"hard-linked file", file, file, 2, false, false},
		{"immutable file", file, file, 1, true, false},
		{"other mode", file, with(file, func(e *Entry) { e.Mode = 0o600 }), 1, false, false},
		{"other owner", file, with(file, func(e *Entry) { e.GID = 2 }), 1, false, false},
		{"other content", file, with(file, func(e *Entry) { e.SHA256 = "i" }), 1, false, false},
		{"directory", Entry{Type: TypeDir, Mode: 0o700}, Entry{Type: TypeDir, Mode: 0o777, UID: 5}, 7, false, true},
		{"immutable directory", Entry{Type: TypeDir}, Entry{Type: TypeDir}, 2, true, false},
		{"file for directory", Entry{Type: TypeDir}, file, 1, false, false},
		{"symlink", Entry{Type: TypeSymlink, Link: "a"}, Entry{Type: TypeSymlink, Link: "a"}, 1, false, true},
		{"retargeted symlink", Entry{Type: TypeSymlink, Link: "a"}, Entry{Type: TypeSymlink, Link: "/etc"}, 1, false, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.reuse, reusable(tc.want, tc.got, tc.links, tc.protected))
		})
	}
}

func TestOwnedByAndDepth(t *testing.T) {
	m := Manifest{"": {Type: TypeDir, Mode: 0o755}, "a": {Type: TypeDir, Mode: 0o700}, "a/b/c": {Type: TypeFile, Mode: 0o600}}
	o := m.ownedBy(7, 8, 0o700)
	assert.Equal(t, uint32(0o700), o[""].Mode)
	assert.Equal(t, uint32(0o600), o["a/b/c"].Mode)
	for _, e := range o {
		assert.Equal(t, [2]uint32{7, 8}, [2]uint32{e.UID, e.GID})
	}
	assert.Equal(t, uint32(0), m["a"].UID, "ownedBy must not change its receiver")
	assert.Equal(t, 3, m.depth())
	assert.ElementsMatch(t, []string{"a"}, children(m)[""])
	assert.ElementsMatch(t, []string{"c"}, children(m)["a/b"])
}
