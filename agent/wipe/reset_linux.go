package wipe

import (
	"errors"
	"fmt"
	"slices"

	"golang.org/x/sys/unix"
)

// resetter puts a directory tree back to the skeleton file by file. Entries
// that already match stay (no delete and copy), everything else is removed
// and copied again.
type resetter struct {
	want          Manifest // the skeleton owned by the visitor
	kids          map[string][]string
	uid, gid      uint32
	keepImmutable bool
	cache         *hashCache // only for trees no one but root can write
	base          string     // the tree's path, for reports
	rm            *remover
	cp            *copier
	fail          func(path string, err error)
}

func newResetter(want Manifest, uid, gid uint32, keepImmutable bool, base string, fail func(string, error)) *resetter {
	kids := children(want)
	return &resetter{
		want: want, kids: kids, uid: uid, gid: gid, keepImmutable: keepImmutable, base: base, fail: fail,
		rm: &remover{keepImmutable: keepImmutable, fail: fail},
		cp: &copier{want: want, kids: kids, uid: uid, gid: gid, fail: fail},
	}
}

// resetRoot resets the open directory root from the open skeleton skel.
func (r *resetter) resetRoot(root, skel int) {
	if !r.keepImmutable {
		if err := clearProtection(root); err != nil {
			r.fail(r.base, err)
		}
	}
	r.fixDir(root, r.base, r.want[""])
	r.resetDir(root, skel, "")
}

// resetDir makes the entries of dir (at rel) match the skeleton directory
// skel. Its depth is the skeleton's, which the caller has bounded.
func (r *resetter) resetDir(dir, skel int, rel string) {
	names, err := readNames(dir)
	if err != nil {
		r.fail(join(r.base, rel), fmt.Errorf("list directory: %w", err))
		return
	}
	dirSt, err := statAt(dir, "")
	if err != nil {
		r.fail(join(r.base, rel), err)
		return
	}
	var kept []string
	for _, name := range names {
		if r.resetEntry(dir, skel, dirSt, name, join(rel, name)) {
			kept = append(kept, name)
		}
	}
	for _, kid := range r.kids[rel] {
		if !slices.Contains(kept, kid) {
			r.cp.copyEntry(skel, dir, kid, join(rel, kid), r.base)
		}
	}
}

// resetEntry keeps, fixes or removes one entry, and reports whether it is
// still there.
func (r *resetter) resetEntry(dir, skel int, dirSt stat, name, rel string) bool {
	path := join(r.base, rel)
	st, err := statAt(dir, name)
	if errors.Is(err, unix.ENOENT) {
		return false
	}
	if err != nil {
		r.fail(path, fmt.Errorf("stat: %w", err))
		return true // unknown: do not copy over it
	}
	if st.mountRoot || (st.isDir() && st.dev != dirSt.dev) {
		r.fail(path, errMountPoint)
		return true
	}
	want, ok := r.want[rel]
	if ok && r.keepDir(dir, skel, name, rel, st, want) {
		return true
	}
	if ok && want.Type != TypeDir && r.matches(dir, name, rel, st, want) {
		return true
	}
	r.rm.removeEntry(dir, name, path, st)
	return false
}

// keepDir fixes a directory that the skeleton also has, and resets what is
// inside it. It reports false when the entry is not such a directory.
func (r *resetter) keepDir(dir, skel int, name, rel string, st stat, want Entry) bool {
	if want.Type != TypeDir || !st.isDir() {
		return false
	}
	fd, err := openDirAt(dir, name, st)
	if err != nil {
		return false // removal will report it
	}
	defer unix.Close(fd)
	if !r.keepImmutable {
		if err := clearProtection(fd); err != nil {
			r.fail(join(r.base, rel), err)
		}
	}
	sfd, err := unix.Openat(skel, name, dirFlags, 0)
	if err != nil {
		r.fail(join(r.base, rel), fmt.Errorf("open skeleton directory: %w", err))
		return true
	}
	defer unix.Close(sfd)
	r.fixDir(fd, join(r.base, rel), want)
	r.resetDir(fd, sfd, rel)
	return true
}

// fixDir gives a kept directory the skeleton's owner, mode and extended
// attributes. Working on the open descriptor is safe: a directory has no
// other name a visitor could have planted elsewhere.
func (r *resetter) fixDir(fd int, path string, want Entry) {
	have, err := xattrNames(fd)
	if err != nil {
		r.fail(path, err)
	}
	for _, x := range have {
		if slices.Contains(want.Xattrs, x) {
			continue
		}
		if err := unix.Fremovexattr(fd, x); err != nil {
			r.fail(path, fmt.Errorf("remove an extended attribute: %w", err))
		}
	}
	if err := unix.Fchown(fd, int(r.uid), int(r.gid)); err != nil {
		r.fail(path, fmt.Errorf("set owner: %w", err))
	}
	if err := unix.Fchmod(fd, want.Mode); err != nil {
		r.fail(path, fmt.Errorf("set mode: %w", err))
	}
}

// matches reports whether a non-directory entry is already exactly what the
// skeleton holds, so that it can stay.
func (r *resetter) matches(dir int, name, rel string, st stat, want Entry) bool {
	have := Entry{Path: rel, Type: st.typ(), Mode: st.perm(), UID: st.uid, GID: st.gid, Size: st.size}
	switch have.Type {
	case TypeSymlink:
		link, err := readlinkAt(dir, name)
		if err != nil {
			return false
		}
		have.Link = link
		return reusable(want, have, st.nlink, false)
	case TypeFile:
		if !reusable(want, Entry{Path: rel, Type: TypeFile, Mode: have.Mode, UID: have.UID, GID: have.GID, Size: have.Size, SHA256: want.SHA256, Xattrs: want.Xattrs}, st.nlink, false) {
			return false
		}
		fd, err := openFileAt(dir, name, st)
		if err != nil {
			return false
		}
		defer unix.Close(fd)
		if protectedFD(fd) {
			return false
		}
		got, err := describeFile(fd, have, st, r.cache)
		return err == nil && reusable(want, got, st.nlink, false)
	}
	return false
}
