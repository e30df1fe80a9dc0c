package wipe

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

const mountFlags = unix.MS_NOSUID | unix.MS_NODEV

func readMounts() ([]mount, error) {
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return nil, fmt.Errorf("wipe: read mount table: %w", err)
	}
	return parseMountInfo(string(b))
}

// unmountOwn removes the engine's mounts stacked on path (those with the
// given source), newest first. A mount still busy after the visitor's
// processes ended is detached: no process of the visitor can reach it any
// more, and whoever holds it loses it when they let go.
func unmountOwn(path, source string) (detached bool, err error) {
	for range 8 {
		ms, err := readMounts()
		if err != nil {
			return detached, err
		}
		m, ok := topMount(ms, path)
		if !ok || m.Source != source {
			return detached, nil
		}
		err = unix.Unmount(path, unix.UMOUNT_NOFOLLOW)
		if errors.Is(err, unix.EBUSY) {
			detached = true
			err = unix.Unmount(path, unix.UMOUNT_NOFOLLOW|unix.MNT_DETACH)
		}
		if err != nil {
			return detached, fmt.Errorf("wipe: unmount %q: %w", path, err)
		}
	}
	return detached, fmt.Errorf("wipe: %q still has mounts of %s after 8 unmounts", path, source)
}

// mountTmpfs mounts a fresh tmpfs on dir.
func mountTmpfs(source, dir string, mode, uid, gid uint32, size string) error {
	if strings.ContainsAny(size, ",") {
		return fmt.Errorf("wipe: tmpfs size %q must not contain a comma", size)
	}
	opts := fmt.Sprintf("mode=%04o,uid=%d,gid=%d,size=%s", mode, uid, gid, size)
	if err := unix.Mount(source, dir, "tmpfs", mountFlags, opts); err != nil {
		return fmt.Errorf("wipe: mount tmpfs on %q: %w", dir, err)
	}
	return nil
}

// mountOverlay mounts an overlay of lower (read-only) and upper on dir.
func mountOverlay(dir, lower, upper, work string) error {
	for _, p := range []string{lower, upper, work} {
		if strings.ContainsAny(p, ",:\\") {
			return fmt.Errorf("wipe: overlay path %q must not contain ',', ':' or '\\': choose another state directory", p)
		}
	}
	opts := fmt.Sprintf("lowerdir=%s,upperdir=%s,workdir=%s", lower, upper, work)
	if err := unix.Mount(sourceHome, dir, "overlay", mountFlags, opts); err != nil {
		return fmt.Errorf("wipe: mount overlay on %q: %w", dir, err)
	}
	return nil
}

// probeStrategies tries each mount strategy on scratch directories below
// stateDir and returns the usable ones, preferred first: tmpfs, then
// overlay, then files. tmpfs and overlay wipe equally fast when the
// skeleton is small (hashing the home for verification dominates), and a
// tmpfs home behaves like any local directory, while an overlay refuses
// some directory renames (EXDEV) that programs do not all expect.
func probeStrategies(stateDir string) []Strategy {
	dir := filepath.Join(stateDir, "probe")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return []Strategy{StrategyFiles}
	}
	defer os.RemoveAll(dir)
	if err := mountTmpfs(sourceProbe, dir, 0o700, 0, 0, "1m"); err != nil {
		return []Strategy{StrategyFiles}
	}
	defer unix.Unmount(dir, unix.MNT_DETACH)
	usable := []Strategy{StrategyTmpfs, StrategyFiles}
	l, u, w, m := filepath.Join(dir, "l"), filepath.Join(dir, "u"), filepath.Join(dir, "w"), filepath.Join(dir, "m")
	for _, p := range []string{l, u, w, m} {
		if err := os.Mkdir(p, 0o700); err != nil {
			return usable
		}
	}
	opts := fmt.Sprintf("lowerdir=%s,upperdir=%s,workdir=%s", l, u, w)
	if strings.ContainsAny(stateDir, ",:\\") || unix.Mount(sourceProbe, m, "overlay", mountFlags, opts) != nil {
		return usable
	}
	unix.Unmount(m, unix.MNT_DETACH)
	return []Strategy{StrategyTmpfs, StrategyOverlay, StrategyFiles}
}
