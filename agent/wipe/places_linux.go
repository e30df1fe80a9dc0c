package wipe

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Places other programs keep the visitor's data under root-owned
// directories. Variables so that tests can point them at temporary
// directories.
var (
	runUserDir  = "/run/user"
	crashDirs   = []string{"/var/crash", "/var/lib/systemd/coredump"}
	journalDirs = []string{"/var/log/journal", "/run/log/journal"}
	corePattern = "/proc/sys/kernel/core_pattern"
)

// placeClass is one class of places kept by other programs: which
// directories it looks in, and which of their entries are the visitor's.
type placeClass struct {
	step  string
	dirs  func(t target) []string
	match func(dirfd int, name string, st stat, t target) bool
}

func (e *linuxEngine) placeClasses() []placeClass {
	return []placeClass{
		{StepRunUser, func(t target) []string { return []string{runtimeDir(t)} }, everything},
		{StepCrash, func(target) []string { return crashPlaces() }, crashOf},
		{StepJournal, func(target) []string { return journalPlaces() }, journalOf},
	}
}

// runtimeDir is the visitor's XDG runtime directory, made by logind (a
// tmpfs) or by the session's start-up without systemd (a directory). The
// directory stays; everything in it goes.
func runtimeDir(t target) string {
	return filepath.Join(runUserDir, strconv.FormatUint(uint64(t.uid), 10))
}

func everything(int, string, stat, target) bool { return true }

// crashPlaces lists where crash reports and core dumps are written: the
// fixed places, and the directory of an absolute core_pattern.
func crashPlaces() []string {
	out := append([]string(nil), crashDirs...)
	b, err := os.ReadFile(corePattern)
	if p := strings.TrimSpace(string(b)); err == nil && strings.HasPrefix(p, "/") {
		out = append(out, filepath.Dir(p))
	}
	return out
}

// crashOf matches the visitor's crash reports and core dumps: files they
// own (the kernel writes a core dump as the crashed process's user, apport
// chowns its reports), apport reports named PROGRAM.UID.crash, and
// systemd-coredump files named core.COMM.UID.BOOTID.PID.TIME[.COMPRESSION]
// or marked with the visitor's uid in an extended attribute.
func crashOf(dirfd int, name string, st stat, t target) bool {
	if st.uid == t.uid {
		return true
	}
	uid := strconv.FormatUint(uint64(t.uid), 10)
	f := strings.Split(name, ".")
	switch {
	case len(f) >= 3 && slicesHasSuffix(f, "crash", "upload", "uploaded") && f[len(f)-2] == uid:
		return true
	case len(f) >= 6 && f[0] == "core":
		if last := f[len(f)-1]; last == "zst" || last == "xz" || last == "lz4" {
			f = f[:len(f)-1]
		}
		if len(f) >= 6 && f[len(f)-4] == uid {
			return true
		}
	}
	if !st.isReg() {
		return false
	}
	fd, err := openFileAt(dirfd, name, st)
	if err != nil {
		return false
	}
	defer unix.Close(fd)
	buf := make([]byte, 16)
	n, err := unix.Fgetxattr(fd, "user.coredump.uid", buf)
	return err == nil && string(buf[:n]) == uid
}

func slicesHasSuffix(f []string, exts ...string) bool {
	for _, e := range exts {
		if f[len(f)-1] == e {
			return true
		}
	}
	return false
}

// journalPlaces lists the journald directories: one per machine id below
// each journal directory.
func journalPlaces() []string {
	var out []string
	for _, d := range journalDirs {
		ents, err := os.ReadDir(d)
		if err != nil {
			continue
		}
		for _, ent := range ents {
			if ent.IsDir() {
				out = append(out, filepath.Join(d, ent.Name()))
			}
		}
	}
	return out
}

// journalOf matches the visitor's own journal: journald writes each user's
// messages to user-UID.journal and archives it as user-UID@....journal(~).
func journalOf(_ int, name string, _ stat, t target) bool {
	prefix := "user-" + strconv.FormatUint(uint64(t.uid), 10)
	rest, ok := strings.CutPrefix(name, prefix)
	if !ok {
		return false
	}
	return rest == ".journal" || (strings.HasPrefix(rest, "@") && (strings.HasSuffix(rest, ".journal") || strings.HasSuffix(rest, ".journal~")))
}

// stepPlaces removes the visitor's entries from each class's places.
func (e *linuxEngine) stepPlaces(_ context.Context, rc *recorder, t target) {
	for _, c := range e.placeClasses() {
		for _, dir := range c.dirs(t) {
			rm := &remover{keepImmutable: e.opts.KeepImmutable, fail: func(_ string, err error) { rc.fail(c.step, dir, err) }}
			e.placeEntries(rc, c, t, dir, c.step, func(dirfd int, name string, st stat) {
				rm.removeEntry(dirfd, name, dir, st)
			})
			rc.count(c.step, rm.files)
		}
		rc.ran(c.step)
	}
}

func (e *linuxEngine) verifyPlaces(_ context.Context, rc *recorder, t target) {
	for _, c := range e.placeClasses() {
		step := verifyStep(c.step)
		for _, dir := range c.dirs(t) {
			var left int
			e.placeEntries(rc, c, t, dir, step, func(int, string, stat) { left++ })
			if left > 0 {
				rc.fail(step, dir, fmt.Errorf("%d entries of the visitor left behind", left))
			}
		}
	}
}

// placeEntries calls found for each entry of dir that the class matches.
// A directory that does not exist holds nothing.
func (e *linuxEngine) placeEntries(rc *recorder, c placeClass, t target, dir, step string, found func(dirfd int, name string, st stat)) {
	fd, err := openPath(dir)
	if errors.Is(err, unix.ENOENT) {
		return
	}
	if err != nil {
		rc.fail(step, dir, fmt.Errorf("open: %w", err))
		return
	}
	defer unix.Close(fd)
	names, err := readNames(fd)
	if err != nil {
		rc.fail(step, dir, fmt.Errorf("list: %w", err))
		return
	}
	for _, name := range names {
		st, err := statAt(fd, name)
		if errors.Is(err, unix.ENOENT) {
			continue
		}
		if err != nil {
			rc.fail(step, dir, fmt.Errorf("stat: %w", err))
			continue
		}
		if c.match(fd, name, st, t) {
			found(fd, name, st)
		}
	}
}
