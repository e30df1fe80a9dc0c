package wipe

import (
	"context"
	"errors"
	"fmt"
	"runtime"

	"golang.org/x/sys/unix"
)

// The visitor's kernel keyrings that outlive their processes: the user
// keyring and user session keyring (kept per account by the kernel), and
// the persistent keyring (kept for days for Kerberos and the like). Root
// cannot see another account's keys, so the engine looks at them with the
// visitor's credentials on a thread of its own.
var userKeyrings = []struct {
	name string
	get  func() (int, error)
}{
	{"user keyring", func() (int, error) { return unix.KeyctlGetKeyringID(unix.KEY_SPEC_USER_KEYRING, true) }},
	{"user session keyring", func() (int, error) { return unix.KeyctlGetKeyringID(unix.KEY_SPEC_USER_SESSION_KEYRING, true) }},
	{"persistent keyring", func() (int, error) {
		// -1 is the caller's own uid; the keyring is linked into the
		// thread keyring, which goes with the thread.
		return unix.KeyctlInt(unix.KEYCTL_GET_PERSISTENT, -1, unix.KEY_SPEC_THREAD_KEYRING, 0, 0)
	}},
}

// keyringReport is what one look at the visitor's keyrings found.
type keyringReport struct {
	name  string
	keys  int
	err   error
	unsup bool // the kernel has no such keyring
}

// asVisitor runs fn on an OS thread whose credentials are the visitor's,
// and which is thrown away afterwards.
func asVisitor(uid, gid uint32, fn func()) error {
	var err error
	onThrowawayThread(func() {
		// Raw system calls change this thread only, unlike syscall.Setuid.
		for _, c := range [][4]uintptr{
			{unix.SYS_SETGROUPS, 0, 0, 0},
			{unix.SYS_SETRESGID, uintptr(gid), uintptr(gid), uintptr(gid)},
			{unix.SYS_SETRESUID, uintptr(uid), uintptr(uid), uintptr(uid)},
		} {
			if _, _, e := unix.RawSyscall(c[0], c[1], c[2], c[3]); e != 0 {
				err = fmt.Errorf("take the visitor's credentials on a thread: %w", e)
				return
			}
		}
		fn()
	})
	return err
}

// onThrowawayThread runs fn on a goroutine locked to an OS thread that is
// not the main one, and returns when fn has. The goroutine exits while
// still locked, so the runtime ends the thread and no other goroutine ever
// runs with what fn changed. The main thread is avoided: its credentials
// are the ones /proc shows for the whole process, and the runtime never
// ends it.
func onThrowawayThread(fn func()) {
	done := make(chan struct{})
	go func() {
		runtime.LockOSThread()
		if unix.Gettid() != unix.Getpid() {
			defer close(done)
			fn()
			return
		}
		// On the main thread: keep it locked here, so that the goroutine
		// below must run on another one.
		handed := make(chan struct{})
		go func() {
			runtime.LockOSThread()
			defer close(handed)
			fn()
		}()
		<-handed
		runtime.UnlockOSThread()
		close(done)
	}()
	<-done
}

// visitorKeyrings looks at (and with clear, empties) each keyring of the
// visitor.
func visitorKeyrings(uid, gid uint32, clear bool) ([]keyringReport, error) {
	var out []keyringReport
	err := asVisitor(uid, gid, func() {
		for _, k := range userKeyrings {
			rep := keyringReport{name: k.name}
			id, err := k.get()
			switch {
			case errors.Is(err, unix.EOPNOTSUPP) || errors.Is(err, unix.ENOSYS):
				rep.unsup = true
			case err != nil:
				rep.err = fmt.Errorf("find the %s: %w", k.name, err)
			default:
				rep.keys, rep.err = keyCount(id)
				if rep.err == nil && clear && rep.keys > 0 {
					if _, err := unix.KeyctlInt(unix.KEYCTL_CLEAR, id, 0, 0, 0); err != nil {
						rep.err = fmt.Errorf("clear the %s: %w", k.name, err)
					}
				}
			}
			out = append(out, rep)
		}
	})
	return out, err
}

// keyCount counts the keys linked in a keyring; reading a keyring gives
// their 32-bit ids.
func keyCount(id int) (int, error) {
	n, err := unix.KeyctlBuffer(unix.KEYCTL_READ, id, nil, 0)
	if err != nil {
		return 0, fmt.Errorf("read keyring: %w", err)
	}
	return n / 4, nil
}

func (e *linuxEngine) stepKeyrings(_ context.Context, rc *recorder, t target) {
	reps, err := visitorKeyrings(t.uid, t.gid, true)
	if err != nil {
		rc.fail(StepKeyrings, "", err)
		return
	}
	for _, rep := range reps {
		switch {
		case rep.unsup:
			rc.skipped(StepKeyrings, "this kernel has no "+rep.name)
		case rep.err != nil:
			rc.fail(StepKeyrings, rep.name, rep.err)
		default:
			rc.count(StepKeyrings, int64(rep.keys))
		}
	}
	rc.ran(StepKeyrings)
}

func (e *linuxEngine) verifyKeyrings(_ context.Context, rc *recorder, t target) {
	step := verifyStep(StepKeyrings)
	reps, err := visitorKeyrings(t.uid, t.gid, false)
	if err != nil {
		rc.fail(step, "", err)
		return
	}
	for _, rep := range reps {
		switch {
		case rep.err != nil:
			rc.fail(step, rep.name, rep.err)
		case rep.keys > 0:
			rc.fail(step, rep.name, fmt.Errorf("%d keys of the visitor left", rep.keys))
		}
	}
}
