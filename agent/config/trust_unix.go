//go:build !windows

package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// trustedOwner reports whether uid may own the agent's config and
// skeletons: root, or the agent's own account when it does not run as
// root (tests and demos).
func trustedOwner(uid uint32) bool {
	return uid == 0 || int(uid) == os.Geteuid()
}

// checkTrustedFile refuses a config file someone other than root could
// change: the file itself, or a directory above it.
func checkTrustedFile(f *os.File, path string) error {
	info, err := f.Stat()
	if err != nil {
		return err
	}
	if !info.Mode().IsRegular() {
		return fmt.Errorf("is a %s, not a regular file", info.Mode().Type())
	}
	if err := checkOwnerMode(info, "the file"); err != nil {
		return err
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	if err := checkAncestors(filepath.Dir(abs)); err != nil {
		return err
	}
	// A symlink's target lives in other directories, which must be as safe.
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return err
	}
	return checkAncestors(filepath.Dir(real))
}

// checkTrustedDir refuses a directory that is missing, a symlink, or that
// someone other than root could change, directly or through a directory
// above it.
func checkTrustedDir(path string) error {
	info, err := os.Lstat(path)
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("%q does not exist: create it as root, or remove it from the list", path)
	}
	if err != nil {
		return fmt.Errorf("%q: %w", path, err)
	}
	if !info.IsDir() {
		return fmt.Errorf("%q is a %s, not a directory", path, describeMode(info.Mode()))
	}
	if err := checkOwnerMode(info, fmt.Sprintf("%q", path)); err != nil {
		return err
	}
	return checkAncestors(filepath.Dir(path))
}

func checkOwnerMode(info os.FileInfo, what string) error {
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return fmt.Errorf("%s: owner unknown", what)
	}
	if !trustedOwner(st.Uid) {
		return fmt.Errorf("%s is owned by uid %d: it must be owned by root (chown root %s)", what, st.Uid, info.Name())
	}
	if info.Mode().Perm()&0o022 != 0 {
		return fmt.Errorf("%s has mode %04o: group and others must not be able to write it (chmod go-w %s)", what, info.Mode().Perm(), info.Name())
	}
	return nil
}

// checkAncestors walks up from dir to the root: each directory must be
// owned by root and writable by no one else, unless it is sticky (like
// /tmp), where others cannot rename or remove root's entries.
func checkAncestors(dir string) error {
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		dir = real // the directories that hold it, not the links that name it
	}
	for {
		info, err := os.Stat(dir)
		if err != nil {
			return fmt.Errorf("directory %q: %w", dir, err)
		}
		st, ok := info.Sys().(*syscall.Stat_t)
		if !ok {
			return fmt.Errorf("directory %q: owner unknown", dir)
		}
		sticky := info.Mode()&os.ModeSticky != 0
		switch {
		case !trustedOwner(st.Uid):
			return fmt.Errorf("is in directory %q owned by uid %d, who could replace it: keep it in directories owned by root", dir, st.Uid)
		case info.Mode().Perm()&0o022 != 0 && !sticky:
			return fmt.Errorf("is in directory %q of mode %04o, where others could replace it (chmod go-w %s)", dir, info.Mode().Perm(), dir)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return nil
		}
		dir = parent
	}
}

func describeMode(m os.FileMode) string {
	if m&os.ModeSymlink != 0 {
		return "symlink"
	}
	if m.IsRegular() {
		return "file"
	}
	return "special file"
}
