package wipe

import (
	"fmt"
	"maps"
	"slices"
)

// EntryType is the kind of a file system entry in a Manifest.
type EntryType string

// The entry types. TypeMount marks an entry that is the root of another
// mount: the engine never crosses into it, so it can never match a skeleton.
const (
	TypeDir     EntryType = "dir"
	TypeFile    EntryType = "file"
	TypeSymlink EntryType = "symlink"
	TypeFIFO    EntryType = "fifo"
	TypeSocket  EntryType = "socket"
	TypeDevice  EntryType = "device"
	TypeMount   EntryType = "mount"
)

// Entry describes one file system entry as the verification compares it.
type Entry struct {
	// Path is relative to the tree's root with "/" between names; the
	// root itself is "".
	Path string    `json:"path"`
	Type EntryType `json:"type"`
	// Mode holds the permission bits with setuid, setgid and sticky.
	Mode   uint32 `json:"mode"`
	UID    uint32 `json:"uid"`
	GID    uint32 `json:"gid"`
	Size   int64  `json:"size,omitempty"`
	SHA256 string `json:"sha256,omitempty"`
	Link   string `json:"link,omitempty"`
	// Xattrs are the names of extended attributes, sorted, without the
	// ones the system manages (security.selinux).
	Xattrs []string `json:"xattrs,omitempty"`
}

// Manifest is a tree's entries by Path.
type Manifest map[string]Entry

// compareOpts says which attributes a platform can compare.
type compareOpts struct {
	owners bool // UID and GID
	modes  bool // permission bits
}

var comparePOSIX = compareOpts{owners: true, modes: true}

// Difference is one way a tree differs from what it must be.
type Difference struct {
	Path    string
	Problem string
}

func (d Difference) Error() string { return fmt.Sprintf("%q: %s", d.Path, d.Problem) }

// ownedBy returns the manifest a home must match when reset from skeleton
// m: every entry owned by uid:gid, and the root with rootMode.
func (m Manifest) ownedBy(uid, gid, rootMode uint32) Manifest {
	out := make(Manifest, len(m))
	for p, e := range m {
		e.UID, e.GID = uid, gid
		if p == "" {
			e.Mode = rootMode
		}
		out[p] = e
	}
	return out
}

// depth is the number of names in the longest path.
func (m Manifest) depth() int {
	d := 0
	for p := range m {
		if p == "" {
			continue
		}
		n := 1
		for i := 0; i < len(p); i++ {
			if p[i] == '/' {
				n++
			}
		}
		d = max(d, n)
	}
	return d
}

// diff lists every difference between the tree that must be (want) and the
// tree that is (got), sorted by path.
func diff(want, got Manifest, opts compareOpts) []Difference {
	var out []Difference
	for _, p := range slices.Sorted(maps.Keys(want)) {
		g, ok := got[p]
		if !ok {
			out = append(out, Difference{p, "missing"})
			continue
		}
		if problem := compareEntry(want[p], g, opts); problem != "" {
			out = append(out, Difference{p, problem})
		}
	}
	for _, p := range slices.Sorted(maps.Keys(got)) {
		if _, ok := want[p]; !ok {
			out = append(out, Difference{p, fmt.Sprintf("unexpected %s", got[p].Type)})
		}
	}
	return out
}

// compareEntry names the first attribute that differs, or returns "".
func compareEntry(w, g Entry, opts compareOpts) string {
	switch {
	case w.Type != g.Type:
		return fmt.Sprintf("is a %s, want a %s", g.Type, w.Type)
	case opts.owners && (w.UID != g.UID || w.GID != g.GID):
		return fmt.Sprintf("owner %d:%d, want %d:%d", g.UID, g.GID, w.UID, w.GID)
	case opts.modes && w.Mode != g.Mode:
		return fmt.Sprintf("mode %04o, want %04o", g.Mode, w.Mode)
	case w.Type == TypeFile && w.Size != g.Size:
		return fmt.Sprintf("size %d, want %d", g.Size, w.Size)
	case w.Type == TypeFile && w.SHA256 != g.SHA256:
		return "content differs from the skeleton"
	case w.Link != g.Link:
		return fmt.Sprintf("links to %q, want %q", g.Link, w.Link)
	case !slices.Equal(w.Xattrs, g.Xattrs):
		return fmt.Sprintf("extended attributes %q, want %q", g.Xattrs, w.Xattrs)
	}
	return ""
}

// reusable reports whether an entry already in the home can stay without
// being removed and copied again, judged on everything but file content
// (compared after, and only when this says yes). links is the entry's hard
// link count and protected whether it carries immutable or append-only
// attributes. A hard-linked file is never reused: its other name may be
// outside the home, where the visitor can still change it.
func reusable(want, have Entry, links uint64, protected bool) bool {
	if want.Type != have.Type || protected {
		return false
	}
	if want.Type == TypeDir {
		return true // directories are fixed in place: they cannot be hard-linked
	}
	return links == 1 && compareEntry(want, have, comparePOSIX) == ""
}

// children indexes a manifest's entries by their parent's path.
func children(m Manifest) map[string][]string {
	kids := make(map[string][]string)
	for p := range m {
		if p == "" {
			continue
		}
		dir, name := splitRel(p)
		kids[dir] = append(kids[dir], name)
	}
	return kids
}

func splitRel(p string) (dir, name string) {
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] == '/' {
			return p[:i], p[i+1:]
		}
	}
	return "", p
}
