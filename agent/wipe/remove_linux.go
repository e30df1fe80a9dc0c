package wipe

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

// remover deletes entries below open directories. It only ever unlinks:
// it never opens a FIFO or device, never truncates, and never changes the
// attributes of a file that has another name somewhere else.
type remover struct {
	keepImmutable bool
	fail          func(path string, err error)
	files, bytes  int64
}

// errMountPoint is reported for a mount found where the visitor's files are:
// the engine does not cross into it, so the wipe cannot be complete.
var errMountPoint = errors.New("is a mount point: not crossed; unmount it and wipe again")

// removeEntry removes name from dirfd, with everything below it when it is
// a directory. path names it in reports.
func (r *remover) removeEntry(dirfd int, name, path string, st stat) {
	if st.mountRoot {
		r.fail(path, errMountPoint)
		return
	}
	if !st.isDir() {
		r.unlink(dirfd, name, path, st)
		return
	}
	fd, err := openDirAt(dirfd, name, st)
	if err != nil {
		r.fail(path, fmt.Errorf("open directory: %w", err))
		return
	}
	defer unix.Close(fd)
	r.unprotectDir(fd, path)
	w := walker{
		visit: func(e walkEntry) bool {
			switch {
			case e.st.mountRoot:
				r.fail(e.rel(), errMountPoint)
			case !e.st.isDir():
				r.unlink(e.dirfd, e.name, e.rel(), e.st)
			}
			return e.st.isDir()
		},
		enter: func(fd int, e walkEntry) { r.unprotectDir(fd, e.rel()) },
		leave: func(e walkEntry) { r.rmdir(e.dirfd, e.name, e.rel()) },
		fail:  r.fail,
	}
	if err := w.walk(fd, path); err != nil {
		r.fail(path, err)
		return
	}
	r.rmdir(dirfd, name, path)
}

// unprotectDir clears immutable and append-only flags on a directory so that
// its entries can be unlinked. Directories cannot be hard-linked, so the flag
// change cannot reach anything outside the tree.
func (r *remover) unprotectDir(fd int, path string) {
	if r.keepImmutable {
		return
	}
	if err := clearProtection(fd); err != nil {
		r.fail(path, err)
	}
}

func (r *remover) unlink(dirfd int, name, path string, st stat) {
	err := unix.Unlinkat(dirfd, name, 0)
	if errors.Is(err, unix.EPERM) && st.isReg() {
		err = r.unlinkProtected(dirfd, name, st)
	}
	if errors.Is(err, unix.ENOENT) {
		return
	}
	if err != nil {
		r.fail(path, fmt.Errorf("unlink: %w", err))
		return
	}
	r.files++
	if st.isReg() {
		r.bytes += st.size
	}
}

// unlinkProtected clears the immutable or append-only flag of a regular file
// and unlinks it again, but only when the home holds its only name.
func (r *remover) unlinkProtected(dirfd int, name string, st stat) error {
	if r.keepImmutable {
		return fmt.Errorf("immutable or append-only file, and the engine is set to keep such attributes: %w", unix.EPERM)
	}
	if st.nlink != 1 {
		return fmt.Errorf("protected file with %d hard links: its attributes are left alone because another name may be outside the home: %w", st.nlink, unix.EPERM)
	}
	fd, err := openFileAt(dirfd, name, st)
	if err != nil {
		return err
	}
	err = clearProtection(fd)
	unix.Close(fd)
	if err != nil {
		return err
	}
	return unix.Unlinkat(dirfd, name, 0)
}

func (r *remover) rmdir(dirfd int, name, path string) {
	err := unix.Unlinkat(dirfd, name, unix.AT_REMOVEDIR)
	if err != nil && !errors.Is(err, unix.ENOENT) {
		r.fail(path, fmt.Errorf("remove directory: %w", err))
	}
}
