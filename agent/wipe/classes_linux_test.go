package wipe

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// asUser runs fn on an OS thread that has the user's credentials, so that
// the kernel sees the visitor (or the next visitor on the same account) do
// what fn does. The thread is thrown away afterwards.
func asUser(t *testing.T, u testUser, fn func() error) error {
	t.Helper()
	var err error
	onThrowawayThread(func() {
		if _, _, e := unix.RawSyscall(unix.SYS_SETGROUPS, 0, 0, 0); e != 0 {
			err = e
			return
		}
		if _, _, e := unix.RawSyscall(unix.SYS_SETRESGID, uintptr(u.gid), uintptr(u.gid), uintptr(u.gid)); e != 0 {
			err = e
			return
		}
		if _, _, e := unix.RawSyscall(unix.SYS_SETRESUID, uintptr(u.uid), uintptr(u.uid), uintptr(u.uid)); e != 0 {
			err = e
			return
		}
		err = fn()
	})
	return err
}

// outputAs runs a shell script as the user and returns its output.
func outputAs(t *testing.T, u testUser, script string) string {
	t.Helper()
	cmd := exec.Command("/bin/sh", "-c", script)
	cmd.Dir = "/"
	cmd.Env = []string{"HOME=" + u.home, "PATH=/usr/bin:/bin:/usr/sbin:/sbin"}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: u.uid, Gid: u.gid}}
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "script as %s: %s", u.name, out)
	return string(out)
}

// wipeOnce wipes a fresh visitor's account once (so the next wipe starts
// from a clean account) and returns what the next wipe needs.
func wipeOnce(t *testing.T) (testUser, Engine, Request) {
	t.Helper()
	u := newTestUser(t)
	e := newTestEngine(t, Options{})
	req := request(u, makeSkeleton(t), StrategyFiles)
	requireVerified(t, e.Wipe(context.Background(), req))
	return u, e, req
}

const ipcSecret = "visitor's one-time code 493817"

// sysvKey is a fixed IPC key per test user, as a program would use.
func sysvKey(u testUser) int { return int(0x50000000 | u.uid&0xffff) }

func mqName(u testUser) string { return "/" + u.name + "-mq" }

func mqOpen(name string, flags int, mode uint32) (int, error) {
	p, err := unix.BytePtrFromString(strings.TrimPrefix(name, "/"))
	if err != nil {
		return -1, err
	}
	fd, _, e := unix.Syscall6(unix.SYS_MQ_OPEN, uintptr(unsafe.Pointer(p)), uintptr(flags), uintptr(mode), 0, 0, 0)
	if e != 0 {
		return -1, e
	}
	return int(fd), nil
}

// plantIPC leaves the secret in a System V shared memory segment and
// message queue, a semaphore set, and a POSIX message queue, as the
// visitor.
func plantIPC(t *testing.T, u testUser) {
	t.Helper()
	key := sysvKey(u)
	require.NoError(t, asUser(t, u, func() error {
		id, err := unix.SysvShmGet(key, 4096, unix.IPC_CREAT|0o600)
		if err != nil {
			return err
		}
		mem, err := unix.SysvShmAttach(id, 0, 0)
		if err != nil {
			return err
		}
		copy(mem, ipcSecret)
		if err := unix.SysvShmDetach(mem); err != nil {
			return err
		}
		if _, _, e := unix.Syscall(unix.SYS_SEMGET, uintptr(key), 1, unix.IPC_CREAT|0o600); e != 0 {
			return e
		}
		qid, _, e := unix.Syscall(unix.SYS_MSGGET, uintptr(key), unix.IPC_CREAT|0o600, 0)
		if e != 0 {
			return e
		}
		msg := append([]byte{1, 0, 0, 0, 0, 0, 0, 0}, ipcSecret...)
		if _, _, e := unix.Syscall6(unix.SYS_MSGSND, qid, uintptr(unsafe.Pointer(&msg[0])), uintptr(len(ipcSecret)), unix.IPC_NOWAIT, 0, 0); e != 0 {
			return e
		}
		fd, err := mqOpen(mqName(u), unix.O_CREAT|unix.O_RDWR, 0o600)
		if err != nil {
			return err
		}
		defer unix.Close(fd)
		p := []byte(ipcSecret)
		if _, _, e := unix.Syscall6(unix.SYS_MQ_TIMEDSEND, uintptr(fd), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)), 0, 0, 0); e != 0 {
			return e
		}
		return nil
	}))
	t.Cleanup(func() {
		if id, err := unix.SysvShmGet(key, 0, 0); err == nil {
			_, _ = unix.SysvShmCtl(id, unix.IPC_RMID, nil)
		}
	})
}

// The next visitor on the same account finds none of the IPC objects the
// last one left: not by key, not by name, not in the kernel's tables.
func TestWipeRemovesIPCObjects(t *testing.T) {
	u, e, req := wipeOnce(t)
	plantIPC(t, u)
	require.Contains(t, outputAs(t, u, "ipcs -m -s -q -c"), u.name, "the objects must be there before the wipe")

	r := e.Wipe(context.Background(), req)

	requireVerified(t, r)
	assert.Contains(t, r.StepsRun, StepIPC)
	assert.Contains(t, r.StepsRun, "removed: 4 from ipc")
	assert.NotContains(t, outputAs(t, u, "ipcs -m -s -q -c"), u.name, "System V objects of the visitor left")
	key := sysvKey(u)
	require.NoError(t, asUser(t, u, func() error {
		if _, err := unix.SysvShmGet(key, 0, 0); !errors.Is(err, unix.ENOENT) {
			return errors.New("the shared memory segment is still there")
		}
		if _, _, e := unix.Syscall(unix.SYS_SEMGET, uintptr(key), 0, 0); e != unix.ENOENT {
			return errors.New("the semaphore set is still there")
		}
		if _, _, e := unix.Syscall(unix.SYS_MSGGET, uintptr(key), 0, 0); e != unix.ENOENT {
			return errors.New("the message queue is still there")
		}
		if fd, err := mqOpen(mqName(u), unix.O_RDONLY, 0); !errors.Is(err, unix.ENOENT) {
			unix.Close(fd)
			return errors.New("the POSIX message queue is still there")
		}
		return nil
	}))
}

func TestSysvObjectsParsesTables(t *testing.T) {
	shm := `       key      shmid perms                  size  cpid  lpid nattch   uid   gid  cuid  cgid      atime      dtime      ctime                   rss                  swap
         0          3  1600                  4096   100   100      1  1001  1001  1001  1001          0          0 1700000000                  4096                     0
1342177280          4   600                  4096   101   101      0     0     0  1001  1001          0          0 1700000000                  4096                     0
1342177281          5   600                  4096   102   102      0     0     0     0     0          0          0 1700000000                  4096                     0
`
	ids, err := sysvObjects(shm, "shmid", 1001)
	require.NoError(t, err)
	assert.Equal(t, []int{3, 4}, ids, "owned or created by the visitor")
	_, err = sysvObjects("key shmid perms\n1 2\n", "shmid", 1001)
	assert.Error(t, err)
	_, err = sysvObjects("", "shmid", 1001)
	assert.Error(t, err)
	if _, err := os.Stat("/proc/sysvipc/shm"); err == nil {
		b, err := os.ReadFile("/proc/sysvipc/shm")
		require.NoError(t, err)
		_, err = sysvObjects(string(b), "shmid", 1001)
		assert.NoError(t, err, "the kernel's own table must parse")
	}
}

// keyScript plants keys in the visitor's user, user session and persistent
// keyrings with the keyutils tool, as the visitor.
const keyScript = `set -e
keyctl add user piste-secret-user "bank pin 4821" @u >/dev/null
keyctl add user piste-secret-usersession "bank pin 4821" @us >/dev/null
keyctl session - sh -c 'keyctl add user piste-secret-persistent "bank pin 4821" $(keyctl get_persistent @s) >/dev/null'
`

// showKeysScript lists, as the visitor, every key the account's keyrings
// hold.
const showKeysScript = `keyctl show @u; keyctl show @us; keyctl session - sh -c 'keyctl show $(keyctl get_persistent @s)'`

func TestWipeEmptiesKeyrings(t *testing.T) {
	if _, err := exec.LookPath("keyctl"); err != nil {
		t.Skip("needs keyctl (Debian package keyutils) to plant keys as the visitor")
	}
	u, e, req := wipeOnce(t)
	runAs(t, u, keyScript)
	before := outputAs(t, u, showKeysScript)
	for _, k := range []string{"piste-secret-user", "piste-secret-usersession", "piste-secret-persistent"} {
		require.Contains(t, before, k, "the key must be there before the wipe")
	}

	r := e.Wipe(context.Background(), req)

	requireVerified(t, r)
	assert.Contains(t, r.StepsRun, "removed: 3 from keyrings")
	after := outputAs(t, u, showKeysScript)
	assert.NotContains(t, after, "piste-secret", "keys of the visitor left:\n%s", after)
	assert.NotContains(t, receiptJSON(r), "piste-secret", "the receipt must not name keys")
}

// writableDirs makes root-owned directories the visitor can write to,
// outside every place a wipe sweeps by name: one writable by everyone (with
// the sticky bit, like /tmp), one deeper down, and one writable by the
// visitor's group.
func writableDirs(t *testing.T, u testUser) (base string, dirs []string) {
	t.Helper()
	base = outsideDir(t)
	require.NoError(t, os.Chmod(base, 0o755))
	pub, deep, grp := filepath.Join(base, "pub"), filepath.Join(base, "a", "b", "pub"), filepath.Join(base, "grp")
	require.NoError(t, os.MkdirAll(filepath.Dir(deep), 0o755))
	for _, d := range []string{pub, deep, grp} {
		require.NoError(t, os.Mkdir(d, 0o755))
	}
	require.NoError(t, os.Chmod(pub, 0o1777))
	require.NoError(t, os.Chmod(deep, 0o777))
	require.NoError(t, os.Chown(grp, 0, int(u.gid)))
	require.NoError(t, os.Chmod(grp, 0o2775))
	return base, []string{pub, deep, grp}
}

func TestWipeSweepsEveryWritableDirectory(t *testing.T) {
	u, e, req := wipeOnce(t)
	base, dirs := writableDirs(t, u)
	for _, d := range dirs {
		require.NoError(t, os.WriteFile(filepath.Join(d, "keep"), []byte("root's"), 0o644))
		runAs(t, u, `cd "`+d+`" && echo "visitor's letter" > letter.txt && mkdir -p drafts/old && echo x > drafts/old/draft.txt && chmod 0777 drafts`)
	}

	r := e.Wipe(context.Background(), req)

	requireVerified(t, r)
	assertNothingOwned(t, u.uid, base)
	for _, d := range dirs {
		assert.Equal(t, "keep\n", outputAs(t, u, `ls -A "`+d+`"`), "what the next visitor sees in %s", d)
		assert.Contains(t, r.StepsRun, "removed: 2 from "+d, "two files; directories are not counted")
	}
}

// distinctive is part of every name the visitor gives in the receipt test:
// no receipt field may contain it.
const distinctive = "zq-private-7731"

func TestReceiptNamesNoVisitorFiles(t *testing.T) {
	for _, tc := range []struct {
		name          string
		keepImmutable bool
	}{
		{"verified", false},
		{"failed", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u := newTestUser(t)
			e := newTestEngine(t, Options{KeepImmutable: tc.keepImmutable})
			req := request(u, makeSkeleton(t), StrategyFiles)
			extra := t.TempDir()
			require.NoError(t, os.Chmod(extra, 0o1777))
			req.ExtraPaths = []string{extra}
			requireVerified(t, e.Wipe(context.Background(), req))
			_, dirs := writableDirs(t, u)
			n := distinctive
			runAs(t, u, `set -e
cd "$HOME"
mkdir -p "`+n+`-dir/`+n+`-sub" && echo x > "`+n+`-dir/`+n+`-sub/`+n+`.pdf"
rm .profile && ln -s "`+n+`-target" .profile
mkfifo "`+n+`-fifo"
setfattr -n "user.`+n+`" -v x Desktop 2>/dev/null || true
for d in "`+extra+`" "`+dirs[0]+`" /var/tmp; do echo x > "$d/`+n+`-`+u.name+`"; mkdir -p "$d/`+n+`-d`+u.name+`"; done
`)
			t.Cleanup(func() {
				_ = os.RemoveAll("/var/tmp/" + n + "-" + u.name)
				_ = os.RemoveAll("/var/tmp/" + n + "-d" + u.name)
			})
			if tc.keepImmutable {
				for _, p := range []string{filepath.Join(u.home, n+"-imm"), filepath.Join(extra, n+"-imm"), filepath.Join(dirs[0], n+"-imm")} {
					require.NoError(t, os.WriteFile(p, []byte("x"), 0o644))
					require.NoError(t, os.Chown(p, int(u.uid), int(u.gid)))
					setImmutable(t, p, fsImmutableFL)
				}
				runAs(t, u, `mkdir "$HOME/`+n+`-mnt"`)
				require.NoError(t, unix.Mount("piste-test", filepath.Join(u.home, n+"-mnt"), "tmpfs", 0, "size=1m"))
			}

			r := e.Wipe(context.Background(), req)

			assert.Equal(t, !tc.keepImmutable, r.Verified, "%s", receiptJSON(r))
			if tc.keepImmutable {
				assert.NotEmpty(t, failuresAbout(r, u.home), "the failure names the home:\n%s", receiptJSON(r))
				assert.NotEmpty(t, failuresAbout(r, dirs[0]), "the failure names the writable directory:\n%s", receiptJSON(r))
			}
			assert.NotContains(t, receiptJSON(r), distinctive, "a receipt must never name the visitor's files")
			for _, f := range r.Failures {
				assert.NotContains(t, f.String(), distinctive)
			}
		})
	}
}

// placeDirs points the engine's run-time, crash and journal places at
// temporary directories.
func placeDirs(t *testing.T) (run, crash, coredump, journal string) {
	t.Helper()
	base := outsideDir(t) // not below /tmp, which every wipe sweeps
	require.NoError(t, os.Chmod(base, 0o755))
	run, crash, coredump, journal = filepath.Join(base, "run-user"), filepath.Join(base, "crash"), filepath.Join(base, "coredump"), filepath.Join(base, "journal")
	for _, d := range []string{run, crash, coredump, filepath.Join(journal, "0123456789abcdef0123456789abcdef")} {
		require.NoError(t, os.MkdirAll(d, 0o755))
	}
	require.NoError(t, os.Chmod(crash, 0o1777))
	oldRun, oldCrash, oldJournal, oldPattern := runUserDir, crashDirs, journalDirs, corePattern
	runUserDir, crashDirs, journalDirs, corePattern = run, []string{crash, coredump}, []string{journal}, filepath.Join(base, "none")
	t.Cleanup(func() { runUserDir, crashDirs, journalDirs, corePattern = oldRun, oldCrash, oldJournal, oldPattern })
	return run, crash, coredump, journal
}

func TestWipeEmptiesRuntimeDirectory(t *testing.T) {
	for _, tc := range []struct {
		name  string
		mount bool // logind mounts a tmpfs per user; without systemd it is a plain directory
	}{
		{"without systemd", false},
		{"logind tmpfs", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u, e, req := wipeOnce(t)
			run, _, _, _ := placeDirs(t)
			dir := filepath.Join(run, strconv.Itoa(int(u.uid)))
			require.NoError(t, os.Mkdir(dir, 0o700))
			if tc.mount {
				opts := fmt.Sprintf("mode=0700,uid=%d,gid=%d,size=1m", u.uid, u.gid)
				require.NoError(t, unix.Mount("tmpfs", dir, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, opts))
				t.Cleanup(func() { _ = unix.Unmount(dir, unix.MNT_DETACH) })
			}
			require.NoError(t, os.Chown(dir, int(u.uid), int(u.gid)))
			runAs(t, u, `set -e; cd "`+dir+`"; echo "wayland socket" > wayland-0; mkdir -p pulse gvfs-metadata; echo secret > pulse/cookie; echo x > gvfs-metadata/home`)

			r := e.Wipe(context.Background(), req)

			requireVerified(t, r)
			assert.Contains(t, r.StepsRun, "removed: 3 from "+StepRunUser)
			assert.Empty(t, outputAs(t, u, `ls -A "`+dir+`"`), "the next visitor finds an empty runtime directory")
			info, err := os.Stat(dir)
			require.NoError(t, err, "the directory itself stays for the next session")
			assert.Equal(t, u.uid, info.Sys().(*syscall.Stat_t).Uid)
		})
	}
}

func TestWipeRemovesCrashDumps(t *testing.T) {
	u, e, req := wipeOnce(t)
	_, crash, coredump, _ := placeDirs(t)
	uid := strconv.Itoa(int(u.uid))
	// A real core dump, written by the kernel where the visitor's program
	// crashed (core_pattern "core" writes it in the working directory).
	_, dirs := writableDirs(t, u)
	pattern, err := os.ReadFile("/proc/sys/kernel/core_pattern")
	require.NoError(t, err)
	realCore := strings.HasPrefix(string(pattern), "core")
	if realCore {
		runAs(t, u, `cd "`+dirs[0]+`" && ulimit -c unlimited && (sh -c 'kill -SEGV $$' || true)`)
	}
	// apport's report of the visitor's crash, chowned to the visitor.
	report := filepath.Join(crash, "_usr_bin_firefox-esr."+uid+".crash")
	require.NoError(t, os.WriteFile(report, []byte("ProblemType: Crash\nCoreDump: base64 visitor's memory"), 0o640))
	require.NoError(t, os.Chown(report, int(u.uid), 0))
	// systemd-coredump's files are root's: the uid is in the name, or in an
	// extended attribute.
	named := filepath.Join(coredump, "core.firefox-esr."+uid+".0123abcd.4242.1700000000000000.zst")
	marked := filepath.Join(coredump, "core.renamed")
	others := filepath.Join(coredump, "core.cupsd.0.0123abcd.77.1700000000000000.zst")
	for _, p := range []string{named, marked, others} {
		require.NoError(t, os.WriteFile(p, []byte("visitor's memory"), 0o644))
	}
	if err := unix.Setxattr(marked, "user.coredump.uid", []byte(uid), 0); err != nil {
		require.NoError(t, os.Remove(marked), "user extended attributes are not supported here: %v", err)
	}

	r := e.Wipe(context.Background(), req)

	requireVerified(t, r)
	assert.Empty(t, outputAs(t, u, `ls -A "`+crash+`"`))
	assert.Equal(t, filepath.Base(others)+"\n", outputAs(t, u, `ls -A "`+coredump+`"`), "only other accounts' dumps stay")
	if realCore {
		assert.Empty(t, outputAs(t, u, `ls -A "`+dirs[0]+`"`), "the kernel's core dump must be gone")
	}
}

func TestWipeRemovesUserJournal(t *testing.T) {
	u, e, req := wipeOnce(t)
	_, _, _, journal := placeDirs(t)
	dir := filepath.Join(journal, "0123456789abcdef0123456789abcdef")
	uid := strconv.Itoa(int(u.uid))
	mine := []string{"user-" + uid + ".journal", "user-" + uid + "@0001-0002-0003.journal", "user-" + uid + "@0001-0002.journal~"}
	theirs := []string{"system.journal", "user-" + uid + "0.journal", "user-1.journal"}
	for _, n := range append(append([]string(nil), mine...), theirs...) {
		// journald gives each user read access to their own journal.
		require.NoError(t, os.WriteFile(filepath.Join(dir, n), []byte("MESSAGE=visitor searched for divorce lawyer"), 0o644))
	}

	r := e.Wipe(context.Background(), req)

	requireVerified(t, r)
	assert.Contains(t, r.StepsRun, "removed: 3 from "+StepJournal)
	left := outputAs(t, u, `ls -A "`+dir+`"`)
	for _, n := range mine {
		assert.NotContains(t, strings.Fields(left), n)
	}
	for _, n := range theirs {
		assert.Contains(t, strings.Fields(left), n, "other journals stay")
	}
}

// onlyBackend makes the engine use one kind of cgroup, or skips the test
// when this machine does not have it.
func onlyBackend(t *testing.T, kind string) {
	t.Helper()
	all := cgroupBackends
	ms, err := readMounts()
	require.NoError(t, err)
	var pick func(string) (processGroup, error)
	for _, mk := range all(ms) {
		g, err := mk("piste-probe-test")
		if err == nil {
			g.remove()
			if g.String() == kind && pick == nil {
				pick = mk
			}
		}
	}
	if pick == nil {
		t.Skipf("this machine has no usable %s", kind)
	}
	cgroupBackends = func([]mount) []func(string) (processGroup, error) {
		return []func(string) (processGroup, error){pick}
	}
	t.Cleanup(func() { cgroupBackends = all })
}

// stormScript starts chains of processes that each start the next and
// exit at once, so a PID read from /proc is usually gone by the time it is
// signalled, and shells that fork without end. The process limit keeps the
// storm from taking the machine down.
const stormScript = `ulimit -u 400
cat > "$HOME/hop" <<'X'
"$0" "$0" & exit 0
X
chmod +x "$HOME/hop"
i=0; while [ $i -lt 60 ]; do sh "$HOME/hop" "$HOME/hop" & i=$((i+1)); done
sleep 600
`

func TestWipeEndsForkStormThroughCgroup(t *testing.T) {
	for _, kind := range []string{"cgroup v2", "cgroup v1 freezer"} {
		t.Run(kind, func(t *testing.T) {
			onlyBackend(t, kind)
			u, e, req := wipeOnce(t)
			startAs(t, u, "HOME="+u.home+"\n"+stormScript)
			require.Eventually(t, func() bool { return len(testProcs(u.uid)) >= 20 }, 10*time.Second, 20*time.Millisecond)

			r := wipeWithin(t, e, req, 2*time.Minute)

			requireVerified(t, r)
			assert.Contains(t, r.StepsRun, StepProcesses+": each SIGKILL round freezes the processes through "+kind)
			assert.Empty(t, testProcs(u.uid), "processes of the visitor left")
			// The shell and ps are the next visitor's own; zombies hold nothing
			// (and this machine's PID 1 may never reap them).
			left := outputAs(t, u, `ps -u `+u.name+` -o pid= -o ppid= -o stat= | awk -v me=$$ '$1 != me && $2 != me && $3 !~ /^Z/'`)
			assert.Empty(t, left, "the next visitor sees no process of the last one")
		})
	}
}

// fuseMountsOf lists the FUSE mounts whose user_id is uid, read from the
// mount table without the engine's parser.
func fuseMountsOf(t *testing.T, uid uint32) []string {
	t.Helper()
	b, err := os.ReadFile("/proc/self/mountinfo")
	require.NoError(t, err)
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		if strings.Contains(line, " - fuse") && strings.Contains(line, "user_id="+strconv.Itoa(int(uid))+",") {
			out = append(out, line)
		}
	}
	return out
}

func TestWipeUnmountsVisitorFUSE(t *testing.T) {
	needFUSE(t)
	u, e, req := wipeOnce(t)
	extra := t.TempDir()
	require.NoError(t, os.Chmod(extra, 0o1777))
	req.ExtraPaths = []string{extra}
	tmp := filepath.Join(extra, u.name)
	// One mount in the home, one in a swept place, and a file hidden under
	// a mount point. The daemons ignore SIGTERM (libfuse then keeps the
	// disposition), so they die by SIGKILL and leave their mounts behind.
	runAs(t, u, `set -e
trap '' TERM HUP INT
for d in "$HOME" "`+tmp+`"; do
	mkdir -p "$d/src" "$d/mnt" "$d/cover"
	echo "under the mount" > "$d/cover/hidden.txt"
	bindfs --no-allow-other "$d/src" "$d/mnt"
	bindfs --no-allow-other -o nonempty "$d/src" "$d/cover"
	echo "visitor's tax return" > "$d/mnt/tax.pdf"
done`)
	t.Cleanup(func() {
		for _, d := range []string{u.home, tmp} {
			for _, m := range []string{"mnt", "cover"} {
				_ = unix.Unmount(filepath.Join(d, m), unix.MNT_DETACH)
			}
		}
	})
	require.Len(t, fuseMountsOf(t, u.uid), 4, "the visitor's FUSE mounts must be there before the wipe")

	r := wipeWithin(t, e, req, 2*time.Minute)

	requireVerified(t, r)
	assert.Contains(t, r.StepsRun, "removed: 4 from "+StepFUSE)
	assert.Empty(t, fuseMountsOf(t, u.uid), "FUSE mounts of the visitor left")
	assertHomeIsSkeleton(t, u, req.Skeleton)
	assertNothingOwned(t, u.uid, extra)
	assert.Empty(t, outputAs(t, u, `ls -A "`+extra+`"`))
}

// TestWipePassesAnotherUsersFUSEMount: a FUSE mount of someone else in a
// place the wipe sweeps refuses even root a look. The wipe never enters a
// mount, so it passes it by and still verifies; the mount stays.
func TestWipePassesAnotherUsersFUSEMount(t *testing.T) {
	needFUSE(t)
	other := newTestUser(t)
	u, e, req := wipeOnce(t)
	extra := t.TempDir()
	require.NoError(t, os.Chmod(extra, 0o1777))
	req.ExtraPaths = []string{extra}
	dir := filepath.Join(extra, other.name)
	runAs(t, other, `set -e
mkdir -p "`+dir+`/src" "`+dir+`/mnt"
bindfs --no-allow-other "`+dir+`/src" "`+dir+`/mnt"`)
	t.Cleanup(func() { _ = unix.Unmount(filepath.Join(dir, "mnt"), unix.MNT_DETACH) })
	require.Len(t, fuseMountsOf(t, other.uid), 1)
	runAs(t, u, `echo "visitor's letter" > "`+extra+`/letter.txt"`)

	r := wipeWithin(t, e, req, 2*time.Minute)

	requireVerified(t, r)
	assertNothingOwned(t, u.uid, extra)
	assert.Len(t, fuseMountsOf(t, other.uid), 1, "another user's mount is not the wipe's to end")
}

func TestWipePurgesPrintHistory(t *testing.T) {
	u, e, req := wipeOnce(t)
	printer := addPausedPrinter(t, u)
	if printer == "" {
		t.Skip("needs a running CUPS scheduler (cupsd) and its client tools")
	}
	runAs(t, u, `echo "visitor's boarding pass" | lp -d `+printer+` -t zq-private-boarding-pass.pdf; echo "visitor's CV" | lp -d `+printer+` -t zq-private-cv.pdf`)
	ids := jobsOf(lpstatJobs(t), u.name)
	require.Len(t, ids, 2)
	// One finished job: CUPS keeps it, with its document, in its history.
	out, err := exec.Command("cancel", ids[0]).CombinedOutput()
	require.NoError(t, err, "%s", out)
	var spool []string
	for _, id := range ids {
		n, err := strconv.Atoi(id[strings.LastIndexByte(id, '-')+1:])
		require.NoError(t, err)
		data, _ := filepath.Glob(filepath.Join(cupsSpool, fmt.Sprintf("d%05d-*", n)))
		require.NotEmpty(t, data, "the document must be spooled before the wipe")
		spool = append(spool, append(data, filepath.Join(cupsSpool, fmt.Sprintf("c%05d", n)))...)
	}

	r := e.Wipe(context.Background(), req)

	requireVerified(t, r)
	history := outputAs(t, u, "lpstat -W all -o")
	assert.NotContains(t, history, u.name, "the next visitor must not see the last one's jobs")
	for _, f := range spool {
		assert.NoFileExists(t, f)
	}
	for _, id := range ids {
		cmd := exec.Command("lp", "-i", id, "-H", "restart")
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: u.uid, Gid: u.gid}}
		assert.Error(t, cmd.Run(), "the next visitor must not print job %s again", id)
	}
	assert.NotContains(t, receiptJSON(r), "zq-private")
}

func TestCupsJobUser(t *testing.T) {
	attr := func(name, value string) []byte {
		b := []byte{0x42, 0, byte(len(name))}
		b = append(b, name...)
		return append(append(b, 0, byte(len(value))), value...)
	}
	file := append(append([]byte{2, 0, 0, 0}, attr("job-name", "tax.pdf")...), attr("job-originating-user-name", "piste-visitor")...)
	u, ok := cupsJobUser(file)
	assert.True(t, ok)
	assert.Equal(t, "piste-visitor", u)
	for _, bad := range [][]byte{nil, []byte("job-originating-user-name"), file[:len(file)-3]} {
		_, ok := cupsJobUser(bad)
		assert.False(t, ok)
	}
}

func TestDiscoverWritableSkipsCoveredPlaces(t *testing.T) {
	requireRoot(t)
	u := newTestUser(t)
	_, dirs := writableDirs(t, u)
	ms, err := readMounts()
	require.NoError(t, err)
	found, err := discoverWritable(ms, u.uid, userGroups(u.name, u.gid), nil, TempDirs)
	require.NoError(t, err)
	for _, d := range dirs {
		assert.Contains(t, found, d)
	}
	for _, d := range TempDirs {
		assert.NotContains(t, found, d, "swept by name already")
	}
	for _, p := range found {
		assert.False(t, inKernelTree(p), "%s is a kernel interface", p)
	}
}

// A mount the engine did not expect in the runtime directory (not a FUSE
// mount of the visitor's) is never crossed: the wipe empties what it can
// and fails closed, naming the class's place, not the mount.
func TestWipeMountInRuntimeDirectoryFailsClosed(t *testing.T) {
	u, e, req := wipeOnce(t)
	run, _, _, _ := placeDirs(t)
	dir := filepath.Join(run, strconv.Itoa(int(u.uid)))
	require.NoError(t, os.Mkdir(dir, 0o700))
	require.NoError(t, os.Chown(dir, int(u.uid), int(u.gid)))
	runAs(t, u, `cd "`+dir+`" && mkdir zq-private-mnt && echo x > zq-private-note`)
	mnt := filepath.Join(dir, "zq-private-mnt")
	require.NoError(t, unix.Mount("piste-test", mnt, "tmpfs", 0, "size=1m"))
	t.Cleanup(func() { _ = unix.Unmount(mnt, unix.MNT_DETACH) })

	r := e.Wipe(context.Background(), req)

	assert.False(t, r.Verified)
	fails := failuresAbout(r, dir)
	require.NotEmpty(t, fails, "%s", receiptJSON(r))
	assert.Equal(t, StepRunUser, fails[0].Step)
	assert.Contains(t, fails[0].Error, "mount point")
	assert.NoFileExists(t, filepath.Join(dir, "zq-private-note"), "the rest is still removed")
	assert.NotContains(t, receiptJSON(r), "zq-private")
}

// needFUSE skips without bindfs and makes /dev/fuse usable by everyone,
// as Debian's udev does; a container's /dev may not.
func needFUSE(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("bindfs"); err != nil {
		t.Skip("needs bindfs and fusermount3 (Debian packages bindfs, fuse3) to mount FUSE as a visitor")
	}
	info, err := os.Stat("/dev/fuse")
	if err != nil {
		t.Skipf("needs /dev/fuse: %v", err)
	}
	if info.Mode().Perm() != 0o666 {
		require.NoError(t, os.Chmod("/dev/fuse", 0o666))
		t.Cleanup(func() { _ = os.Chmod("/dev/fuse", info.Mode().Perm()) })
	}
}
