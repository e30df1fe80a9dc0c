package wipe

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"golang.org/x/sys/unix"
)

// maxSkeletonDepth bounds the skeleton, whose depth the file-level reset
// follows with two descriptors a level. Homes can be of any depth.
const maxSkeletonDepth = 64

func (e *linuxEngine) stepHome(ctx context.Context, rc *recorder, t target) {
	defer rc.ran(StepHome)
	fail := func(path string, err error) { rc.fail(StepHome, path, err) }
	if t.want == nil {
		return // the skeleton could not be read: already a failure
	}
	strat, err := chooseStrategy(t.Strategy, e.Strategies())
	if err != nil {
		fail("", err)
		return
	}
	ms, err := readMounts()
	if err != nil {
		fail("", err)
		return
	}
	if below := mountsBelow(ms, t.home); len(below) > 0 && strat != StrategyFiles {
		// Unmounting the home would take the inner mount with it, and the
		// engine never decides for an administrator's mount: reset what is
		// around it and fail closed.
		rc.skipped(StepHome, fmt.Sprintf("%s strategy: %d mounts inside the home, reset file by file around them", strat, len(below)))
		strat = StrategyFiles
	} else if err := e.release(rc, t, ms); err != nil {
		fail(t.home, err)
		return
	}
	rc.setStrategy(strat)
	if err := checkHomeDir(t); err != nil {
		fail(t.home, err)
		return
	}
	// The directory itself is reset first, also under the mount strategies:
	// whatever a visitor left in it before a home was first mounted would
	// otherwise lie hidden under the mount and come back with the next boot.
	if err := e.resetFiles(rc, t, t.home, nil); err != nil {
		fail(t.home, err)
		return
	}
	switch strat {
	case StrategyOverlay:
		err = e.resetOverlay(rc, t)
	case StrategyTmpfs:
		err = e.resetTmpfs(rc, t)
	}
	if err != nil {
		fail(t.home, err)
	}
}

func (e *linuxEngine) userDir(t target, name string) string {
	return filepath.Join(e.opts.StateDir, "users", t.User, name)
}

// release unmounts the mounts a previous wipe put on the home, counting what
// the visitor leaves in them.
func (e *linuxEngine) release(rc *recorder, t target, ms []mount) error {
	rw := e.userDir(t, "rw")
	if m, ok := topMount(ms, t.home); ok && m.Source == sourceHome {
		counted := t.home
		if m.FSType == "overlay" {
			counted = filepath.Join(rw, "upper")
		}
		files, bytes := countTree(counted)
		rc.removed(files, bytes)
		rc.count(StepHome, files)
	}
	detached, err := unmountOwn(t.home, sourceHome)
	if err != nil {
		return err
	}
	if detached {
		rc.ran(StepHome + ": a busy home mount was detached")
	}
	_, err = unmountOwn(rw, sourceUpper)
	return err
}

// countTree counts the non-directory entries and bytes below path.
func countTree(path string) (files, bytes int64) {
	fd, err := openPath(path)
	if err != nil {
		return 0, 0
	}
	defer unix.Close(fd)
	w := walker{
		visit: func(e walkEntry) bool {
			if !e.st.isDir() {
				files++
				bytes += e.st.size
			}
			return true
		},
		fail: func(string, error) {},
	}
	_ = w.walk(fd, path)
	return files, bytes
}

// checkHomeDir creates a missing home and refuses one that does not look
// like the visitor's: a wrong Home must never wipe someone else's files.
func checkHomeDir(t target) error {
	info, err := os.Lstat(t.home)
	if errors.Is(err, os.ErrNotExist) {
		if err := os.Mkdir(t.home, 0o700); err != nil {
			return fmt.Errorf("create home: %w", err)
		}
		return os.Chown(t.home, int(t.uid), int(t.gid))
	}
	if err != nil {
		return err
	}
	if !info.IsDir() {
		return fmt.Errorf("home is a %s, not a directory: fix Request.Home", info.Mode().Type())
	}
	st := info.Sys().(*syscall.Stat_t)
	if st.Uid == t.uid {
		return nil
	}
	names, err := os.ReadDir(t.home)
	if err != nil || len(names) > 0 {
		return fmt.Errorf("home is owned by uid %d, not by %s (uid %d): refusing to wipe it; fix Request.Home or chown the directory", st.Uid, t.User, t.uid)
	}
	return nil
}

// resetFiles resets dir file by file. cache may be set for trees only root
// can write.
func (e *linuxEngine) resetFiles(rc *recorder, t target, dir string, cache *hashCache) error {
	fd, err := openPath(dir)
	if err != nil {
		return fmt.Errorf("open: %w", err)
	}
	defer unix.Close(fd)
	skel, err := openPath(t.Skeleton)
	if err != nil {
		return fmt.Errorf("open skeleton: %w", err)
	}
	defer unix.Close(skel)
	r := newResetter(t.want, t.uid, t.gid, e.opts.KeepImmutable, dir, func(_ string, err error) { rc.fail(StepHome, dir, err) })
	r.cache = cache
	r.resetRoot(fd, skel)
	if cache == nil {
		rc.removed(r.rm.files, r.rm.bytes)
		rc.count(StepHome, r.rm.files)
	}
	return nil
}

func (e *linuxEngine) resetTmpfs(rc *recorder, t target) error {
	if err := mountTmpfs(sourceHome, t.home, t.homeMode(), t.uid, t.gid, e.opts.TmpfsSize); err != nil {
		return err
	}
	return e.resetFiles(rc, t, t.home, nil)
}

// resetOverlay mounts the home as an overlay: the lower layer is a private
// copy of the skeleton already owned by the visitor (kept up to date file
// by file), the upper one a fresh tmpfs.
func (e *linuxEngine) resetOverlay(rc *recorder, t target) error {
	lower, rw := e.userDir(t, "lower"), e.userDir(t, "rw")
	if err := os.MkdirAll(filepath.Dir(lower), 0o700); err != nil {
		return fmt.Errorf("create state directory: %w", err)
	}
	if err := os.Chmod(e.opts.StateDir, 0o700); err != nil {
		return fmt.Errorf("protect state directory: %w", err)
	}
	for _, d := range []string{lower, rw} {
		if err := os.Mkdir(d, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
			return fmt.Errorf("create %q: %w", d, err)
		}
	}
	if err := e.resetFiles(rc, t, lower, &e.cache); err != nil {
		return fmt.Errorf("refresh overlay lower layer: %w", err)
	}
	if err := mountTmpfs(sourceUpper, rw, 0o700, 0, 0, e.opts.TmpfsSize); err != nil {
		return err
	}
	upper, work := filepath.Join(rw, "upper"), filepath.Join(rw, "work")
	if err := unix.Mkdir(upper, 0o700); err != nil {
		return fmt.Errorf("create %q: %w", upper, err)
	}
	if err := unix.Chown(upper, int(t.uid), int(t.gid)); err != nil {
		return fmt.Errorf("set owner of %q: %w", upper, err)
	}
	// The overlay's root takes the upper directory's owner and mode.
	if err := unix.Chmod(upper, t.homeMode()); err != nil {
		return fmt.Errorf("set mode of %q: %w", upper, err)
	}
	if err := os.Mkdir(work, 0o700); err != nil {
		return fmt.Errorf("create %q: %w", work, err)
	}
	return mountOverlay(t.home, lower, upper, work)
}

// skeleton reads the skeleton's manifest as the home must hold it: only
// what the visitor could read in the skeleton itself.
func (e *linuxEngine) skeleton(rc *recorder, t target) (Manifest, error) {
	m, err := scanTree(t.Skeleton, &e.cache)
	if err != nil {
		return nil, err
	}
	if m[""].Type != TypeDir {
		return nil, fmt.Errorf("skeleton is not a directory")
	}
	if d := m.depth(); d > maxSkeletonDepth {
		return nil, fmt.Errorf("skeleton is %d levels deep, more than %d: flatten it", d, maxSkeletonDepth)
	}
	m, dropped := readableBy(m, readerOf(t.uid, t.gid))
	if len(dropped) > 0 {
		rc.skipped(StepHome, unreadableNote(dropped))
	}
	return m.ownedBy(t.uid, t.gid, t.homeMode()), nil
}
