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
		r.report(path, r.unlink(dirfd, name, st))
		return
	}
	fd, err := openDirAt(dirfd, name, st)
	if err != nil {
		r.fail(path, fmt.Errorf("open directory: %w", err))
		return
	}
	defer unix.Close(fd)
	r.report(path, r.unprotectDir(fd))
	w := walker{
		visit: func(e walkEntry) bool {
			switch {
			case e.st.mountRoot:
				r.fail(e.rel(), errMountPoint)
			case !e.st.isDir():
				if err := r.unlink(e.dirfd, e.name, e.st); err != nil {
					r.fail(e.rel(), err)
				}
			}
			return e.st.isDir()
		},
		enter: func(fd int, e walkEntry) {
			if err := r.unprotectDir(fd); err != nil {
				r.fail(e.rel(), err)
			}
		},
		leave: func(e walkEntry) {
			if err := rmdir(e.dirfd, e.name); err != nil {
				r.fail(e.rel(), err)
			}
		},
		fail: r.fail,
	}
	if err := w.walk(fd, path); err != nil {
		r.fail(path, err)
		return
	}
	r.report(path, rmdir(dirfd, name))
}

func (r *remover) report(path string, err error) {
	if err != nil {
		r.fail(path, err)
	}
}

// unprotectDir clears immutable and append-only flags on a directory so that
// its entries can be unlinked. Directories cannot be hard-linked, so the flag
// change cannot reach anything outside the tree.
func (r *remover) unprotectDir(fd int) error {
	if r.keepImmutable {
		return nil
	}
	return clearProtection(fd)
}

// unlink removes one entry that is not a directory. Paths are built only
// for failures: in a 10,000-deep tree building each would cost more than
// the removal.
func (r *remover) unlink(dirfd int, name string, st stat) error {
	err := unix.Unlinkat(dirfd, name, 0)
	if errors.Is(err, unix.EPERM) && st.isReg() {
		err = r.unlinkProtected(dirfd, name, st)
	}
	if errors.Is(err, unix.ENOENT) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("unlink: %w", err)
	}
	r.files++
	if st.isReg() {
		r.bytes += st.size
	}
	return nil
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

func rmdir(dirfd int, name string) error {
	err := unix.Unlinkat(dirfd, name, unix.AT_REMOVEDIR)
	if err != nil && !errors.Is(err, unix.ENOENT) {
		return fmt.Errorf("remove directory: %w", err)
	}
	return nil
}
