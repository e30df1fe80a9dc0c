package wipe

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

// copier recreates skeleton entries in a home, owned by the visitor, from
// the manifest taken of the skeleton.
type copier struct {
	want     Manifest // the skeleton's entries as they must be in the home
	kids     map[string][]string
	uid, gid uint32
	fail     func(path string, err error)
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
	if err := unix.Mkdirat(dstDir, name, 0o700); err != nil {
		return fmt.Errorf("make directory: %w", err)
	}
	dst, err := unix.Openat(dstDir, name, dirFlags, 0)
	if err != nil {
		return err
	}
	defer unix.Close(dst)
	src, err := unix.Openat(srcDir, name, dirFlags, 0)
	if err != nil {
		return err
	}
	defer unix.Close(src)
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
