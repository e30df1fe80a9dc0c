package wipe

import (
	"errors"
	"fmt"
	"strings"

	"golang.org/x/sys/unix"
)

// maxOpenDirs bounds the directory descriptors one walk holds, whatever the
// depth of the tree: deeper ancestors are closed and opened again through
// ".." on the way back up, checked by device and inode.
const maxOpenDirs = 16

// walkEntry is one entry met by a walk.
type walkEntry struct {
	dirfd int    // the open parent directory
	name  string // the entry's name in it
	st    stat
	w     *walker
}

// rel is the entry's path from the walk's root. It is built on demand: a
// 10,000-deep tree would need hundreds of megabytes to keep every path.
func (e walkEntry) rel() string { return e.w.rel(e.name) }

// walker visits a directory tree below an open directory, depth first,
// without following symlinks or entering another mount.
type walker struct {
	// visit is called for every entry; returning true descends into a
	// directory. A mount root is never descended into, whatever visit says.
	visit func(e walkEntry) bool
	// enter is called with a directory's descriptor before its entries.
	enter func(fd int, e walkEntry)
	// leave is called after a directory's entries, with its parent's
	// descriptor.
	leave func(e walkEntry)
	// fail is called for an entry that could not be read.
	fail func(rel string, err error)
	// mountPoints, if set, are the mount points (as report paths) the walk
	// may meet. Another user's FUSE mount refuses even root a stat; the
	// walk never enters a mount, so such a refusal is no failure.
	mountPoints map[string]bool

	root  string // the report path of the walk's root
	stack []*frame
}

type frame struct {
	fd    int // -1 while closed to save descriptors
	name  string
	st    stat
	names []string
}

func (w *walker) rel(name string) string {
	var b strings.Builder
	b.WriteString(w.root)
	for _, f := range w.stack[1:] {
		if b.Len() > 0 {
			b.WriteByte('/')
		}
		b.WriteString(f.name)
	}
	if name != "" && b.Len() > 0 {
		b.WriteByte('/')
	}
	b.WriteString(name)
	return b.String()
}

// walk visits everything below rootfd, which stays open and owned by the
// caller. root names rootfd in reports. It returns an error only when the
// walk could not go on at all.
func (w *walker) walk(rootfd int, root string) error {
	st, err := statAt(rootfd, "")
	if err != nil {
		return fmt.Errorf("stat the walk's top directory: %w", err)
	}
	names, err := readNames(rootfd)
	if err != nil {
		return fmt.Errorf("list the walk's top directory: %w", err)
	}
	w.root = root
	w.stack = []*frame{{fd: rootfd, st: st, names: names}}
	defer w.closeAll()
	for len(w.stack) > 0 {
		top := w.stack[len(w.stack)-1]
		if len(top.names) > 0 {
			name := top.names[len(top.names)-1]
			top.names = top.names[:len(top.names)-1]
			w.step(top, name)
			continue
		}
		if len(w.stack) == 1 {
			return nil
		}
		if err := w.pop(); err != nil {
			return err
		}
	}
	return nil
}

// step visits one entry of the top directory and descends when asked.
func (w *walker) step(top *frame, name string) {
	st, err := statAt(top.fd, name)
	if errors.Is(err, unix.ENOENT) {
		return // gone since the listing: nothing left to wipe or check
	}
	if (errors.Is(err, unix.EACCES) || errors.Is(err, unix.EPERM)) && w.mountPoints[w.rel(name)] {
		return
	}
	if err != nil {
		w.fail(w.rel(name), fmt.Errorf("stat: %w", err))
		return
	}
	if st.isDir() && st.dev != top.st.dev {
		st.mountRoot = true
	}
	e := walkEntry{dirfd: top.fd, name: name, st: st, w: w}
	if !w.visit(e) || !st.isDir() || st.mountRoot {
		return
	}
	fd, err := openDirAt(top.fd, name, st)
	if errors.Is(err, unix.ENOENT) {
		return // removed since it was stat'ed
	}
	if err != nil {
		w.fail(w.rel(name), fmt.Errorf("open directory: %w", err))
		return
	}
	if w.enter != nil {
		w.enter(fd, e)
	}
	names, err := readNames(fd)
	if errors.Is(err, unix.ENOENT) {
		unix.Close(fd)
		return // removed while it was being listed
	}
	if err != nil {
		unix.Close(fd)
		w.fail(w.rel(name), fmt.Errorf("list directory: %w", err))
		return
	}
	w.stack = append(w.stack, &frame{fd: fd, name: name, st: st, names: names})
	if i := len(w.stack) - 1 - maxOpenDirs; i >= 1 && w.stack[i].fd >= 0 {
		unix.Close(w.stack[i].fd)
		w.stack[i].fd = -1
	}
}

// pop leaves the top directory, reopening its parent through ".." when the
// parent's descriptor was closed.
func (w *walker) pop() error {
	top := w.stack[len(w.stack)-1]
	w.stack = w.stack[:len(w.stack)-1]
	parent := w.stack[len(w.stack)-1]
	defer unix.Close(top.fd)
	if parent.fd < 0 {
		fd, err := openDirAt(top.fd, "..", parent.st)
		if err != nil {
			return fmt.Errorf("walk back up %d levels from the top: %w", len(w.stack)-1, err)
		}
		parent.fd = fd
	}
	if w.leave != nil {
		w.leave(walkEntry{dirfd: parent.fd, name: top.name, st: top.st, w: w})
	}
	return nil
}

func (w *walker) closeAll() {
	for _, f := range w.stack[1:] {
		if f.fd >= 0 {
			unix.Close(f.fd)
		}
	}
	w.stack = nil
}
