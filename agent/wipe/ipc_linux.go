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

// sysvKinds are the System V IPC objects: each is listed in /proc/sysvipc
// with its owner and creator, and removed with its ctl call and IPC_RMID.
// Their contents outlive every process of the visitor.
var sysvKinds = []struct {
	name, file, id string
	remove         func(id int) error
}{
	{"shared memory segments", "shm", "shmid", func(id int) error {
		_, err := unix.SysvShmCtl(id, unix.IPC_RMID, nil)
		return err
	}},
	{"semaphore sets", "sem", "semid", func(id int) error {
		_, _, e := unix.Syscall6(unix.SYS_SEMCTL, uintptr(id), 0, unix.IPC_RMID, 0, 0, 0)
		return errnoErr(e)
	}},
	{"message queues", "msg", "msqid", func(id int) error {
		_, _, e := unix.Syscall(unix.SYS_MSGCTL, uintptr(id), unix.IPC_RMID, 0)
		return errnoErr(e)
	}},
}

// sysvipcDir is where the kernel lists System V IPC objects; a variable so
// that the parser can be tested on fixtures.
var sysvipcDir = "/proc/sysvipc"

func errnoErr(e unix.Errno) error {
	if e == 0 {
		return nil
	}
	return e
}

// sysvObjects returns the ids of the objects in a /proc/sysvipc table that
// uid owns or created.
func sysvObjects(text, idColumn string, uid uint32) ([]int, error) {
	lines := strings.Split(strings.TrimSpace(text), "\n")
	if len(lines) == 0 || lines[0] == "" {
		return nil, errors.New("empty table")
	}
	head := strings.Fields(lines[0])
	col := func(name string) int {
		for i, h := range head {
			if h == name {
				return i
			}
		}
		return -1
	}
	idc, uidc, cuidc := col(idColumn), col("uid"), col("cuid")
	if idc < 0 || uidc < 0 || cuidc < 0 {
		return nil, fmt.Errorf("header %q lacks %s, uid or cuid", lines[0], idColumn)
	}
	var ids []int
	want := strconv.FormatUint(uint64(uid), 10)
	for _, line := range lines[1:] {
		f := strings.Fields(line)
		if len(f) != len(head) {
			return nil, fmt.Errorf("line %q has %d fields, want %d", line, len(f), len(head))
		}
		if f[uidc] != want && f[cuidc] != want {
			continue
		}
		id, err := strconv.Atoi(f[idc])
		if err != nil {
			return nil, fmt.Errorf("id %q: %w", f[idc], err)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// stepIPC removes the visitor's System V IPC objects and POSIX message
// queues. POSIX shared memory and semaphores are files in /dev/shm, swept
// with the other places.
func (e *linuxEngine) stepIPC(_ context.Context, rc *recorder, t target) {
	for _, k := range sysvKinds {
		b, err := os.ReadFile(filepath.Join(sysvipcDir, k.file))
		if err != nil {
			rc.fail(StepIPC, "sysv "+k.file, fmt.Errorf("list System V %s: %w", k.name, err))
			continue
		}
		ids, err := sysvObjects(string(b), k.id, t.uid)
		if err != nil {
			rc.fail(StepIPC, "sysv "+k.file, fmt.Errorf("read the table of System V %s: %w", k.name, err))
		}
		for _, id := range ids {
			if err := k.remove(id); err != nil && !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.EIDRM) {
				rc.fail(StepIPC, "sysv "+k.file, fmt.Errorf("remove System V %s %d: %w", k.name, id, err))
				continue
			}
			rc.count(StepIPC, 1)
		}
	}
	e.withMqueue(rc, StepIPC, func(dir string) {
		rm := &remover{fail: func(_ string, err error) { rc.fail(StepIPC, "posix mqueue", err) }}
		e.mqueueEntries(rc, dir, t.uid, StepIPC, func(dirfd int, name string, st stat) {
			rm.removeEntry(dirfd, name, "posix mqueue", st)
		})
		rc.count(StepIPC, rm.files)
	})
	rc.ran(StepIPC)
}

func (e *linuxEngine) verifyIPC(_ context.Context, rc *recorder, t target) {
	step := verifyStep(StepIPC)
	for _, k := range sysvKinds {
		b, err := os.ReadFile(filepath.Join(sysvipcDir, k.file))
		if err != nil {
			rc.fail(step, "sysv "+k.file, err)
			continue
		}
		ids, err := sysvObjects(string(b), k.id, t.uid)
		if err != nil {
			rc.fail(step, "sysv "+k.file, err)
		}
		if len(ids) > 0 {
			rc.fail(step, "sysv "+k.file, fmt.Errorf("%d System V %s of the visitor left", len(ids), k.name))
		}
	}
	e.withMqueue(rc, step, func(dir string) {
		var left int
		e.mqueueEntries(rc, dir, t.uid, step, func(int, string, stat) { left++ })
		if left > 0 {
			rc.fail(step, "posix mqueue", fmt.Errorf("%d POSIX message queues of the visitor left", left))
		}
	})
}

// mqueueEntries calls found for each message queue owned by uid.
func (e *linuxEngine) mqueueEntries(rc *recorder, dir string, uid uint32, step string, found func(dirfd int, name string, st stat)) {
	fd, err := openPath(dir)
	if err != nil {
		rc.fail(step, "posix mqueue", fmt.Errorf("open the message queue file system: %w", err))
		return
	}
	defer unix.Close(fd)
	names, err := readNames(fd)
	if err != nil {
		rc.fail(step, "posix mqueue", fmt.Errorf("list message queues: %w", err))
		return
	}
	for _, name := range names {
		st, err := statAt(fd, name)
		if err == nil && st.uid == uid {
			found(fd, name, st)
		}
	}
}

// withMqueue runs fn on a view of this IPC namespace's POSIX message
// queues: /dev/mqueue when it is mounted, otherwise a private mount of the
// mqueue file system below the state directory (queues exist whether or
// not anything shows them).
func (e *linuxEngine) withMqueue(rc *recorder, step string, fn func(dir string)) {
	ms, err := readMounts()
	if err != nil {
		rc.fail(step, "posix mqueue", err)
		return
	}
	if m, ok := topMount(ms, "/dev/mqueue"); ok && m.FSType == "mqueue" {
		fn("/dev/mqueue")
		return
	}
	dir := filepath.Join(e.opts.StateDir, "mqueue")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		rc.fail(step, "posix mqueue", fmt.Errorf("create a mount point for message queues: %w", err))
		return
	}
	if err := unix.Mount(sourceMqueue, dir, "mqueue", mountFlags|unix.MS_NOEXEC, ""); err != nil {
		rc.fail(step, "posix mqueue", fmt.Errorf("mount the message queue file system: %w", err))
		return
	}
	defer unix.Unmount(dir, unix.MNT_DETACH)
	fn(dir)
}
