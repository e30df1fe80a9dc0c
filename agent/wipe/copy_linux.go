package wipe

import (
	"errors"
	"fmt"
	"os/user"
	"slices"
	"sort"
	"strconv"

	"golang.org/x/sys/unix"
)

// copier recreates skeleton entries in a home, owned by the visitor, from
// the manifest taken of the skeleton.
type copier struct {
	want     Manifest // the skeleton's entries as they must be in the home
	kids     map[string][]string
	uid, gid uint32
	fail     func(path string, err error)
	reader   *reader // the visitor, looked up at the first copy
}

// reader is an account as the kernel checks its reads: its uid and groups.
type reader struct {
	uid  uint32
	gids []uint32
}

// readerOf looks up the groups of uid. Without them only the primary group
// counts, which can only make fewer files readable.
func readerOf(uid, gid uint32) *reader {
	r := &reader{uid: uid, gids: []uint32{gid}}
	u, err := user.LookupId(strconv.FormatUint(uint64(uid), 10))
	if err != nil {
		return r
	}
	ids, err := u.GroupIds()
	if err != nil {
		return r
	}
	for _, id := range ids {
		if g, err := strconv.ParseUint(id, 10, 32); err == nil && !slices.Contains(r.gids, uint32(g)) {
			r.gids = append(r.gids, uint32(g))
		}
	}
	return r
}

// canRead reports whether the account could read an entry of this type,
// owner and mode where it lies: a file's content, a directory's listing
// and entries. A symlink gives nothing by itself: whoever follows it is
// checked at its target.
func (r *reader) canRead(typ EntryType, uid, gid, mode uint32) bool {
	need := uint32(0o4)
	switch typ {
	case TypeSymlink:
		return true
	case TypeDir:
		need = 0o5
	}
	bits := mode & 0o7
	switch {
	case uid == r.uid:
		bits = mode >> 6 & 0o7
	case slices.Contains(r.gids, gid):
		bits = mode >> 3 & 0o7
	}
	return bits&need == need
}

// readableBy drops from a skeleton's manifest, as scanned (with the
// skeleton's owners), every entry the account could not read there, and
// everything below a directory it could not read: the skeleton copy must
// never hand the visitor a file they could not already read. It returns
// the entries it dropped, without the ones below them. The root is kept:
// the home's own mode replaces it.
func readableBy(m Manifest, r *reader) (Manifest, []string) {
	paths := make([]string, 0, len(m))
	for p := range m {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	out := make(Manifest, len(m))
	var dropped []string
	for _, p := range paths {
		e := m[p]
		if p != "" {
			if dir, _ := splitRel(p); !hasKept(out, dir) {
				continue
			}
			if !r.canRead(e.Type, e.UID, e.GID, e.Mode) {
				dropped = append(dropped, p)
				continue
			}
		}
		out[p] = e
	}
	return out, dropped
}

func hasKept(m Manifest, p string) bool {
	_, ok := m[p]
	return ok
}

// visitor is the account the copies are for.
func (c *copier) visitor() *reader {
	if c.reader == nil {
		c.reader = readerOf(c.uid, c.gid)
	}
	return c.reader
}

// checkReadable refuses a skeleton entry that the visitor cannot read as
// it is now: it may have changed since the skeleton was scanned.
func (c *copier) checkReadable(fd int, typ EntryType) error {
	st, err := statAt(fd, "")
	if err != nil {
		return err
	}
	if !c.visitor().canRead(typ, st.uid, st.gid, st.perm()) {
		return fmt.Errorf("skeleton entry (owner %d:%d, mode %04o) is not readable by the visitor: not copied", st.uid, st.gid, st.perm())
	}
	return nil
}

// copyEntry copies skeleton entry rel (named name in srcDir) into dstDir.
// base names dstDir's tree in reports.
func (c *copier) copyEntry(srcDir, dstDir int, name, rel, base string) {
	want := c.want[rel]
	var err error
	switch want.Type {
	case TypeDir:
		err = c.copyDir(srcDir, dstDir, name, rel, base)
	case TypeFile:
		err = c.copyFile(srcDir, dstDir, name, want)
	case TypeSymlink:
		err = c.copySymlink(dstDir, name, want)
	default:
		err = fmt.Errorf("a %s cannot be copied from the skeleton", want.Type)
	}
	if err != nil {
		c.fail(join(base, rel), fmt.Errorf("copy from skeleton: %w", err))
	}
}

func (c *copier) copyDir(srcDir, dstDir int, name, rel, base string) error {
	src, err := unix.Openat(srcDir, name, dirFlags, 0)
	if err != nil {
		return err
	}
	defer unix.Close(src)
	if err := c.checkReadable(src, TypeDir); err != nil {
		return err
	}
	if err := unix.Mkdirat(dstDir, name, 0o700); err != nil {
		return fmt.Errorf("make directory: %w", err)
	}
	dst, err := unix.Openat(dstDir, name, dirFlags, 0)
	if err != nil {
		return err
	}
	defer unix.Close(dst)
	for _, kid := range c.kids[rel] {
		c.copyEntry(src, dst, kid, join(rel, kid), base)
	}
	return c.finish(src, dst, c.want[rel])
}

func (c *copier) copyFile(srcDir, dstDir int, name string, want Entry) error {
	src, err := unix.Openat(srcDir, name, readFlags, 0)
	if err != nil {
		return err
	}
	defer unix.Close(src)
	if st, err := statAt(src, ""); err != nil || !st.isReg() {
		return errors.New("skeleton entry is no longer a regular file")
	}
	if err := c.checkReadable(src, TypeFile); err != nil {
		return err
	}
	dst, err := unix.Openat(dstDir, name, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return err
	}
	defer unix.Close(dst)
	if err := copyFD(dst, src); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	return c.finish(src, dst, want)
}

// finish gives a new file or directory its skeleton attributes. The mode is
// set after the owner because chown clears setuid and setgid bits.
func (c *copier) finish(src, dst int, want Entry) error {
	for _, name := range want.Xattrs {
		if err := copyXattr(src, dst, name); err != nil {
			return err
		}
	}
	if err := unix.Fchown(dst, int(c.uid), int(c.gid)); err != nil {
		return fmt.Errorf("set owner: %w", err)
	}
	if err := unix.Fchmod(dst, want.Mode); err != nil {
		return fmt.Errorf("set mode: %w", err)
	}
	return nil
}

func (c *copier) copySymlink(dstDir int, name string, want Entry) error {
	if err := unix.Symlinkat(want.Link, dstDir, name); err != nil {
		return fmt.Errorf("make symlink: %w", err)
	}
	if err := unix.Fchownat(dstDir, name, int(c.uid), int(c.gid), unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return fmt.Errorf("set symlink owner: %w", err)
	}
	return nil
}

func copyXattr(src, dst int, name string) error {
	size, err := unix.Fgetxattr(src, name, nil)
	if err != nil {
		return fmt.Errorf("read extended attribute %q: %w", name, err)
	}
	buf := make([]byte, size)
	n, err := unix.Fgetxattr(src, name, buf)
	if err != nil {
		return fmt.Errorf("read extended attribute %q: %w", name, err)
	}
	if err := unix.Fsetxattr(dst, name, buf[:n], 0); err != nil {
		return fmt.Errorf("write extended attribute %q: %w", name, err)
	}
	return nil
}

// unreadableNote says which skeleton entries were left out. They are the
// skeleton's names, set by the administrator, never the visitor's.
func unreadableNote(dropped []string) string {
	const shown = 5
	names := dropped[:min(len(dropped), shown)]
	note := fmt.Sprintf("%d skeleton entries the visitor cannot read were not copied (make them readable by the visitor or remove them): %q", len(dropped), names)
	if len(dropped) > shown {
		note += fmt.Sprintf(" and %d more", len(dropped)-shown)
	}
	return note
}
