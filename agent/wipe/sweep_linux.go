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

// TempDirs are the shared places a visitor can leave files in on every
// Linux system. Request.ExtraPaths adds more.
var TempDirs = []string{"/tmp", "/var/tmp", "/dev/shm"}

func (t target) sweepPaths() []string {
	return append(append([]string(nil), TempDirs...), t.ExtraPaths...)
}

type inode struct{ dev, ino uint64 }

// protectedInodes are directories a sweep must never enter or remove even
// when they sit in a swept place: the home (reset by its own step), the
// skeleton and the engine's state.
func (e *linuxEngine) protectedInodes(t target) map[inode]bool {
	out := map[inode]bool{}
	for _, p := range []string{t.home, t.Skeleton, e.opts.StateDir} {
		if info, err := os.Lstat(p); err == nil {
			st := info.Sys().(*syscall.Stat_t)
			out[inode{st.Dev, st.Ino}] = true
		}
	}
	return out
}

// sweepWalk walks one swept place and calls found for every entry that
// belongs to the visitor: owned by them, or anywhere in a place they own.
func (e *linuxEngine) sweepWalk(rc *recorder, t target, path, step string, found func(walkEntry)) {
	fd, err := openPath(path)
	if errors.Is(err, unix.ENOENT) {
		rc.skipped(step, path+" does not exist")
		return
	}
	if err != nil {
		rc.fail(step, path, fmt.Errorf("open: %w", err))
		return
	}
	defer unix.Close(fd)
	root, err := statAt(fd, "")
	if err != nil {
		rc.fail(step, path, err)
		return
	}
	skip := e.protectedInodes(t)
	w := walker{
		visit: func(ent walkEntry) bool {
			if skip[inode{ent.st.dev, ent.st.ino}] {
				return false
			}
			if root.uid == t.uid || ent.st.uid == t.uid {
				found(ent)
				return false
			}
			return ent.st.isDir()
		},
		fail: func(p string, err error) { rc.fail(step, p, err) },
	}
	if err := w.walk(fd, path); err != nil {
		rc.fail(step, path, err)
	}
}

func (e *linuxEngine) stepTemp(ctx context.Context, rc *recorder, t target) {
	for _, p := range t.sweepPaths() {
		rm := &remover{keepImmutable: e.opts.KeepImmutable, fail: func(path string, err error) { rc.fail(StepTemp, path, err) }}
		e.sweepWalk(rc, t, p, StepTemp, func(ent walkEntry) {
			rm.removeEntry(ent.dirfd, ent.name, ent.rel(), ent.st)
		})
		rc.removed(rm.files, rm.bytes)
	}
	rc.ran(StepTemp)
}

// verify checks, without trusting what the steps reported, that nothing of
// the visitor is left. It hashes the home afresh.
func (e *linuxEngine) verify(ctx context.Context, rc *recorder, t target) bool {
	procs, err := userProcs(t.uid)
	if err != nil {
		rc.fail(StepVerify, "", err)
	}
	for _, p := range procs {
		rc.fail(StepVerify, "", fmt.Errorf("process %d (%s) of the visitor still runs", p.pid, p.name))
	}
	if t.want != nil {
		verifyHome(rc, t)
	}
	for _, p := range t.sweepPaths() {
		e.sweepWalk(rc, t, p, StepVerify, func(ent walkEntry) {
			rc.fail(StepVerify, ent.rel(), fmt.Errorf("%s of the visitor left behind", ent.st.typ()))
		})
	}
	verifySpools(rc, t)
	jobs, err := printJobsLeft(ctx, e.opts.CommandTimeout, t.User)
	if err != nil {
		rc.fail(StepVerify, "", err)
	}
	for _, id := range jobs {
		rc.fail(StepVerify, "", fmt.Errorf("print job %s of the visitor still queued", id))
	}
	rc.ran(StepVerify)
	return !rc.failed()
}

func verifyHome(rc *recorder, t target) {
	fd, err := openPath(t.home)
	if err != nil {
		rc.fail(StepVerify, t.home, fmt.Errorf("open home: %w", err))
		return
	}
	defer unix.Close(fd)
	root, err := describeRoot(fd)
	if err != nil {
		rc.fail(StepVerify, t.home, err)
	} else if p := compareEntry(t.want[""], root, comparePOSIX); p != "" {
		rc.fail(StepVerify, t.home, errors.New(p))
	}
	seen := map[string]bool{"": true}
	w := walker{
		visit: func(ent walkEntry) bool {
			rel := ent.rel()
			got, err := describe(ent.dirfd, ent.name, rel, ent.st, nil)
			want, ok := t.want[rel]
			seen[rel] = ok
			switch {
			case err != nil:
				rc.fail(StepVerify, filepath.Join(t.home, rel), err)
			case !ok:
				rc.fail(StepVerify, filepath.Join(t.home, rel), fmt.Errorf("unexpected %s in the home", got.Type))
			default:
				if p := compareEntry(want, got, comparePOSIX); p != "" {
					rc.fail(StepVerify, filepath.Join(t.home, rel), errors.New(p))
				}
			}
			return ok && want.Type == TypeDir && got.Type == TypeDir
		},
		fail: func(rel string, err error) { rc.fail(StepVerify, filepath.Join(t.home, rel), err) },
	}
	if err := w.walk(fd, ""); err != nil {
		rc.fail(StepVerify, t.home, err)
	}
	for p := range t.want {
		if !seen[p] {
			rc.fail(StepVerify, filepath.Join(t.home, p), errors.New("missing from the home"))
		}
	}
}

// verifySpools checks that no crontab, at job or linger flag of the visitor
// is left.
func verifySpools(rc *recorder, t target) {
	for _, p := range append([]string{filepath.Join(lingerDir, t.User)}, spoolFiles(cronSpools, t.User)...) {
		if _, err := os.Lstat(p); err == nil {
			rc.fail(StepVerify, p, errors.New("scheduled work of the visitor left behind"))
		}
	}
	for _, dir := range atSpools {
		ents, _ := os.ReadDir(dir)
		for _, ent := range ents {
			if info, err := ent.Info(); err == nil && info.Sys().(*syscall.Stat_t).Uid == t.uid {
				rc.fail(StepVerify, filepath.Join(dir, ent.Name()), errors.New("at job of the visitor left behind"))
			}
		}
	}
}

func spoolFiles(dirs []string, user string) []string {
	var out []string
	for _, d := range dirs {
		out = append(out, filepath.Join(d, user))
	}
	return out
}
