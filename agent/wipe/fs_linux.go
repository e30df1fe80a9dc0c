package wipe

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"

	"golang.org/x/sys/unix"
)

// Inode flags from linux/fs.h; x/sys/unix does not name them.
const (
	fsImmutableFL = 0x00000010
	fsAppendFL    = 0x00000020
)

const (
	dirFlags  = unix.O_RDONLY | unix.O_DIRECTORY | unix.O_NOFOLLOW | unix.O_CLOEXEC
	readFlags = unix.O_RDONLY | unix.O_NOFOLLOW | unix.O_NONBLOCK | unix.O_NOCTTY | unix.O_CLOEXEC
)

// stat is what the engine needs to know about one entry, read with statx
// so that a mount root can be told apart even where overlayfs reports a
// different st_dev for ordinary files.
type stat struct {
	mode      uint32 // S_IFMT and permission bits
	uid, gid  uint32
	size      int64
	nlink     uint64
	dev, ino  uint64
	mtime     int64 // nanoseconds, for the hash cache
	ctime     int64
	mountRoot bool
}

func (s stat) typ() EntryType {
	switch s.mode & unix.S_IFMT {
	case unix.S_IFDIR:
		return TypeDir
	case unix.S_IFREG:
		return TypeFile
	case unix.S_IFLNK:
		return TypeSymlink
	case unix.S_IFIFO:
		return TypeFIFO
	case unix.S_IFSOCK:
		return TypeSocket
	default:
		return TypeDevice
	}
}

func (s stat) isDir() bool  { return s.mode&unix.S_IFMT == unix.S_IFDIR }
func (s stat) isReg() bool  { return s.mode&unix.S_IFMT == unix.S_IFREG }
func (s stat) perm() uint32 { return s.mode & 0o7777 }

const statxMask = unix.STATX_TYPE | unix.STATX_MODE | unix.STATX_UID | unix.STATX_GID |
	unix.STATX_SIZE | unix.STATX_NLINK | unix.STATX_INO | unix.STATX_MTIME | unix.STATX_CTIME

// statAt stats name in dirfd without following a symlink or triggering an
// automount. An empty name stats dirfd itself.
func statAt(dirfd int, name string) (stat, error) {
	flags := unix.AT_SYMLINK_NOFOLLOW | unix.AT_NO_AUTOMOUNT | unix.AT_STATX_SYNC_AS_STAT
	if name == "" {
		flags |= unix.AT_EMPTY_PATH
	}
	var x unix.Statx_t
	if err := unix.Statx(dirfd, name, flags, statxMask, &x); err != nil {
		return stat{}, err
	}
	return stat{
		mode:      uint32(x.Mode),
		uid:       x.Uid,
		gid:       x.Gid,
		size:      int64(x.Size),
		nlink:     uint64(x.Nlink),
		dev:       unix.Mkdev(x.Dev_major, x.Dev_minor),
		ino:       x.Ino,
		mtime:     x.Mtime.Sec*1e9 + int64(x.Mtime.Nsec),
		ctime:     x.Ctime.Sec*1e9 + int64(x.Ctime.Nsec),
		mountRoot: x.Attributes_mask&unix.STATX_ATTR_MOUNT_ROOT != 0 && x.Attributes&unix.STATX_ATTR_MOUNT_ROOT != 0,
	}, nil
}

// openDirAt opens the directory name in dirfd without following a symlink
// and checks that it is still the directory that was stat'ed as want.
func openDirAt(dirfd int, name string, want stat) (int, error) {
	fd, err := unix.Openat(dirfd, name, dirFlags, 0)
	if err != nil {
		return -1, err
	}
	got, err := statAt(fd, "")
	if err != nil {
		unix.Close(fd)
		return -1, err
	}
	if got.dev != want.dev || got.ino != want.ino {
		unix.Close(fd)
		return -1, errors.New("directory was replaced while the wipe ran")
	}
	return fd, nil
}

// openFileAt opens the regular file name in dirfd for reading, checking it
// is the file stat'ed as want. FIFOs and devices are never opened: want
// must say regular file.
func openFileAt(dirfd int, name string, want stat) (int, error) {
	if !want.isReg() {
		return -1, fmt.Errorf("not a regular file")
	}
	fd, err := unix.Openat(dirfd, name, readFlags, 0)
	if err != nil {
		return -1, err
	}
	got, err := statAt(fd, "")
	if err != nil || got.dev != want.dev || got.ino != want.ino || !got.isReg() {
		unix.Close(fd)
		return -1, errors.New("file was replaced while the wipe ran")
	}
	return fd, nil
}

// openPath opens an absolute directory path, refusing a symlink as its
// last name.
func openPath(path string) (int, error) {
	return unix.Open(path, dirFlags, 0)
}

var direntBufs = sync.Pool{New: func() any { b := make([]byte, 16<<10); return &b }}

// readNames lists a directory's entries without "." and "..".
func readNames(fd int) ([]string, error) {
	if _, err := unix.Seek(fd, 0, io.SeekStart); err != nil {
		return nil, err
	}
	var names []string
	bp := direntBufs.Get().(*[]byte)
	defer direntBufs.Put(bp)
	buf := *bp
	for {
		n, err := unix.Getdents(fd, buf)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if n <= 0 {
			return names, nil
		}
		_, _, names = unix.ParseDirent(buf[:n], -1, names)
	}
}

// hashFD returns the hex SHA-256 of an open file's content. It reads with
// pread so that the caller keeps sole ownership of fd.
func hashFD(fd int) (string, error) {
	h := sha256.New()
	buf := make([]byte, 256<<10)
	var off int64
	for {
		n, err := unix.Pread(fd, buf, off)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return "", err
		}
		if n == 0 {
			return hex.EncodeToString(h.Sum(nil)), nil
		}
		h.Write(buf[:n])
		off += int64(n)
	}
}

// copyFD copies all of src into dst, in the kernel where it can.
func copyFD(dst, src int) error {
	for {
		n, err := unix.CopyFileRange(src, nil, dst, nil, 1<<30, 0)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return copyFDSlow(dst, src)
		}
		if n == 0 {
			return nil
		}
	}
}

// copyFDSlow copies from src's current offset through user space, for file
// systems without copy_file_range.
func copyFDSlow(dst, src int) error {
	buf := make([]byte, 256<<10)
	for {
		n, err := unix.Read(src, buf)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
		for w := 0; w < n; {
			m, err := unix.Write(dst, buf[w:n])
			if err != nil && !errors.Is(err, unix.EINTR) {
				return err
			}
			w += max(m, 0)
		}
	}
}

// xattrNames lists an open file's extended attributes, sorted, without the
// ones the system manages.
func xattrNames(fd int) ([]string, error) {
	size, err := unix.Flistxattr(fd, nil)
	if errors.Is(err, unix.ENOTSUP) || size == 0 {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	buf := make([]byte, size)
	n, err := unix.Flistxattr(fd, buf)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, name := range strings.Split(string(buf[:n]), "\x00") {
		if name != "" && name != "security.selinux" {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names, nil
}

// inodeFlags reads an open file's attribute flags (chattr). A file system
// without them reports none.
func inodeFlags(fd int) (uint32, error) {
	v, err := unix.IoctlGetUint32(fd, unix.FS_IOC_GETFLAGS)
	if errors.Is(err, unix.ENOTTY) || errors.Is(err, unix.ENOTSUP) || errors.Is(err, unix.EINVAL) {
		return 0, nil
	}
	return v, err
}

// clearProtection removes the immutable and append-only flags from an
// open file or directory.
func clearProtection(fd int) error {
	flags, err := inodeFlags(fd)
	if err != nil {
		return fmt.Errorf("read attributes: %w", err)
	}
	if flags&(fsImmutableFL|fsAppendFL) == 0 {
		return nil
	}
	if err := unix.IoctlSetPointerInt(fd, unix.FS_IOC_SETFLAGS, int(flags&^(fsImmutableFL|fsAppendFL))); err != nil {
		return fmt.Errorf("clear immutable/append-only attributes: %w", err)
	}
	return nil
}

func protectedFD(fd int) bool {
	flags, err := inodeFlags(fd)
	return err != nil || flags&(fsImmutableFL|fsAppendFL) != 0
}

// join builds a relative report path.
func join(dir, name string) string {
	if dir == "" {
		return name
	}
	return dir + "/" + name
}
