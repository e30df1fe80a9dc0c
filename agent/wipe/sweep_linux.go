package wipe

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// TempDirs are the shared places a visitor can leave files in on every
// Linux system. Request.ExtraPaths adds more, and every wipe also sweeps
// each directory found writable by the visitor at run time.
var TempDirs = []string{"/tmp", "/var/tmp", "/dev/shm"}

// sweepPlaces lists the places swept for the visitor's files: TempDirs,
// Request.ExtraPaths and the writable directories found on the local file
// systems, leaving out those below another place.
func (e *linuxEngine) sweepPlaces(rc *recorder, t target) []string {
	places := append(append([]string(nil), TempDirs...), t.ExtraPaths...)
	ms, err := readMounts()
	if err != nil {
		rc.fail(StepTemp, "writable directories", err)
		return places
	}
	found, err := discoverWritable(ms, t.uid, userGroups(t.User, t.gid), e.protectedInodes(t), places)
	if err != nil {
		rc.fail(StepTemp, "writable directories", fmt.Errorf("search for directories the visitor can write to: %w", err))
	}
	return append(places, found...)
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
		fail:        func(_ string, err error) { rc.fail(step, path, err) },
		mountPoints: mountPointsBelow(path),
	}
	if err := w.walk(fd, path); err != nil {
		rc.fail(step, path, err)
	}
}

func (e *linuxEngine) stepTemp(ctx context.Context, rc *recorder, t target) {
	for _, p := range t.swept {
		rm := &remover{keepImmutable: e.opts.KeepImmutable, fail: func(_ string, err error) { rc.fail(StepTemp, p, err) }}
		e.sweepWalk(rc, t, p, StepTemp, func(ent walkEntry) {
			rm.removeEntry(ent.dirfd, ent.name, p, ent.st)
		})
		rc.removed(rm.files, rm.bytes)
		rc.count(p, rm.files)
	}
	rc.ran(StepTemp)
}

// verify checks, without trusting what the steps reported, that nothing of
// the visitor is left. Each class is checked on its own; the home is hashed
// afresh.
func (e *linuxEngine) verify(ctx context.Context, rc *recorder, t target) bool {
	checks := []func(context.Context, *recorder, target){
		e.verifyProcesses, e.verifyFUSE, e.verifyHome, e.verifyTemp, e.verifySpools, e.verifyPrint, e.verifyIPC, e.verifyKeyrings, e.verifyPlaces,
	}
	for _, check := range checks {
		check(ctx, rc, t)
	}
	rc.ran(StepVerify)
	return !rc.failed()
}

func (e *linuxEngine) verifyProcesses(_ context.Context, rc *recorder, t target) {
	procs, err := userProcs(t.uid)
	if err != nil {
		rc.fail(verifyStep(StepProcesses), "", err)
	}
	for _, p := range procs {
		rc.fail(verifyStep(StepProcesses), "", fmt.Errorf("process %d of the visitor still runs", p.pid))
	}
}

// verifyTemp walks every swept place again and reports, per place, how
// many entries of the visitor are left.
func (e *linuxEngine) verifyTemp(_ context.Context, rc *recorder, t target) {
	for _, p := range t.swept {
		var left int
		e.sweepWalk(rc, t, p, verifyStep(StepTemp), func(walkEntry) { left++ })
		if left > 0 {
			rc.fail(verifyStep(StepTemp), p, fmt.Errorf("%d entries of the visitor left behind", left))
		}
	}
}

func (e *linuxEngine) verifyPrint(ctx context.Context, rc *recorder, t target) {
	jobs, err := printJobsLeft(ctx, e.opts.CommandTimeout, t.User)
	if err != nil {
		rc.fail(verifyStep(StepPrint), "", err)
	}
	if len(jobs) > 0 {
		rc.fail(verifyStep(StepPrint), "", fmt.Errorf("%d print jobs of the visitor still queued or remembered: %s", len(jobs), strings.Join(jobs, " ")))
	}
	e.verifySpool(ctx, rc, t)
}

func (e *linuxEngine) verifyHome(_ context.Context, rc *recorder, t target) {
	if t.want == nil {
		return // the skeleton could not be read: already a failure
	}
	step := verifyStep(StepHome)
	fd, err := openPath(t.home)
	if err != nil {
		rc.fail(step, t.home, fmt.Errorf("open home: %w", err))
		return
	}
	defer unix.Close(fd)
	root, err := describeRoot(fd)
	if err != nil {
		rc.fail(step, t.home, err)
	} else if p := compareEntry(t.want[""], root, comparePOSIX); p != "" {
		rc.fail(step, t.home, errors.New(impersonal(p)))
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
				rc.fail(step, t.home, err)
			case !ok:
				rc.fail(step, t.home, fmt.Errorf("unexpected %s in the home", got.Type))
			default:
				if p := compareEntry(want, got, comparePOSIX); p != "" {
					rc.fail(step, t.home, fmt.Errorf("skeleton entry %q: %s", rel, impersonal(p)))
				}
			}
			return ok && want.Type == TypeDir && got.Type == TypeDir
		},
		fail: func(_ string, err error) { rc.fail(step, t.home, err) },
	}
	if err := w.walk(fd, ""); err != nil {
		rc.fail(step, t.home, err)
	}
	for p := range t.want {
		if !seen[p] {
			rc.fail(step, t.home, fmt.Errorf("skeleton entry %q is missing from the home", p))
		}
	}
}

// verifySpools checks that no crontab, at job or linger flag of the visitor
// is left.
func (e *linuxEngine) verifySpools(_ context.Context, rc *recorder, t target) {
	for _, p := range append([]string{filepath.Join(lingerDir, t.User)}, spoolFiles(cronSpools, t.User)...) {
		if _, err := os.Lstat(p); err == nil {
			rc.fail(verifyStep(StepCron), filepath.Dir(p), errors.New("scheduled work of the visitor left behind"))
		}
	}
	for _, dir := range atSpools {
		ents, _ := os.ReadDir(dir)
		for _, ent := range ents {
			if info, err := ent.Info(); err == nil && info.Sys().(*syscall.Stat_t).Uid == t.uid {
				rc.fail(verifyStep(StepAt), dir, errors.New("at job of the visitor left behind"))
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

// mountPointsBelow lists the mount points under dir, for a sweep to pass
// by the ones it may not even look at (another user's FUSE mount). It is
// empty when the mount table cannot be read: each refusal then fails the
// wipe, as before.
func mountPointsBelow(dir string) map[string]bool {
	ms, err := readMounts()
	if err != nil {
		return nil
	}
	out := map[string]bool{}
	for _, m := range mountsBelow(ms, dir) {
		out[m.Point] = true
	}
	return out
}
