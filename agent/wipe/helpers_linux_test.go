package wipe

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// testUser is a real OS account made for one test with useradd.
type testUser struct {
	name     string
	uid, gid uint32
	home     string
}

func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: the wipe ends another user's processes, mounts and changes owners (CI runs as root)")
	}
	if _, err := exec.LookPath("useradd"); err != nil {
		t.Skip("needs useradd to create a real visitor account")
	}
}

// newTestUser creates a visitor account whose home is a fresh directory,
// and removes it (with its processes and mounts) when the test ends.
func newTestUser(t *testing.T) testUser {
	t.Helper()
	requireRoot(t)
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	name := "piste-t" + hex.EncodeToString(b)
	base := t.TempDir()
	// The visitor must be able to reach its home through the test's
	// directories, which are made private.
	require.NoError(t, os.Chmod(base, 0o755))
	require.NoError(t, os.Chmod(filepath.Dir(base), 0o755))
	home := filepath.Join(base, "home")
	out, err := exec.Command("useradd", "--no-create-home", "--home-dir", home, "--shell", "/bin/sh", "--user-group", name).CombinedOutput()
	require.NoError(t, err, "useradd: %s", out)
	t.Cleanup(func() {
		u, err := user.Lookup(name)
		if err == nil {
			uid, _ := strconv.Atoi(u.Uid)
			killAll(uint32(uid))
		}
		unmountAllBelow(home)
		if out, err := exec.Command("userdel", name).CombinedOutput(); err != nil {
			t.Errorf("userdel %s: %v: %s", name, err, out)
		}
	})
	u, err := user.Lookup(name)
	require.NoError(t, err)
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	require.NoError(t, os.Mkdir(home, 0o700))
	require.NoError(t, os.Chown(home, uid, gid))
	return testUser{name: name, uid: uint32(uid), gid: uint32(gid), home: home}
}

// killAll ends a test user's processes without the engine's code.
func killAll(uid uint32) {
	for range 50 {
		pids := testProcs(uid)
		if len(pids) == 0 {
			return
		}
		for _, p := range pids {
			_ = syscall.Kill(p, syscall.SIGKILL)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// testProcs lists live processes with uid as real or effective user, read
// from /proc independently of the engine.
func testProcs(uid uint32) []int {
	var pids []int
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "status"))
		if err != nil || strings.Contains(string(b), "State:\tZ") {
			continue
		}
		for _, line := range strings.Split(string(b), "\n") {
			if f := strings.Fields(line); len(f) == 5 && f[0] == "Uid:" && (f[1] == strconv.Itoa(int(uid)) || f[2] == strconv.Itoa(int(uid))) {
				pids = append(pids, pid)
			}
		}
	}
	return pids
}

func unmountAllBelow(dir string) {
	for range 20 {
		b, _ := os.ReadFile("/proc/self/mountinfo")
		done := true
		for _, line := range strings.Split(string(b), "\n") {
			f := strings.Fields(line)
			if len(f) > 4 && (f[4] == dir || strings.HasPrefix(f[4], dir+"/")) {
				_ = unix.Unmount(f[4], unix.MNT_DETACH)
				done = false
			}
		}
		if done {
			return
		}
	}
}

// startAs starts a shell script as the user in a new session and reaps it
// when it ends.
func startAs(t *testing.T, u testUser, script string) {
	t.Helper()
	cmd := exec.Command("/bin/sh", "-c", script)
	cmd.Dir = "/"
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Credential: &syscall.Credential{Uid: u.uid, Gid: u.gid}}
	require.NoError(t, cmd.Start())
	go func() { _ = cmd.Wait() }()
}

// runAs runs a shell script as the user and waits for it.
func runAs(t *testing.T, u testUser, script string) {
	t.Helper()
	cmd := exec.Command("/bin/sh", "-c", script)
	cmd.Dir = "/"
	cmd.Env = []string{"HOME=" + u.home, "PATH=/usr/bin:/bin:/usr/sbin:/sbin"}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: u.uid, Gid: u.gid}}
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "script as %s: %s", u.name, out)
}

// skeletonModes gives the fixture skeleton the modes git cannot keep.
// Everything is readable by others: the skeleton copy never hands the
// visitor what they could not read in the skeleton (see readable_linux_test.go).
var skeletonModes = map[string]os.FileMode{
	"":                            0o755,
	".bashrc":                     0o644,
	".profile":                    0o644,
	".config":                     0o755,
	".config/piste":               0o755,
	".config/piste/settings.yaml": 0o604,
	"Desktop":                     0o755,
	"Desktop/README.txt":          0o644,
	"bin":                         0o755,
	"bin/hello":                   0o755,
}

// makeSkeleton copies testdata/skel to a root-owned directory, adds what git
// cannot hold (an empty directory, a symlink) and sets the modes.
func makeSkeleton(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "skel")
	require.NoError(t, os.CopyFS(dir, os.DirFS("testdata/skel")))
	require.NoError(t, os.MkdirAll(filepath.Join(dir, ".local/share"), 0o755))
	require.NoError(t, os.Symlink("settings.yaml", filepath.Join(dir, ".config/piste/current")))
	for rel, mode := range skeletonModes {
		require.NoError(t, os.Chmod(filepath.Join(dir, rel), mode))
	}
	return dir
}

// treeEntry is the test's own description of a file, made with the
// standard library only, so the check does not share code with the engine.
type treeEntry struct {
	Mode     fs.FileMode
	UID, GID uint32
	Size     int64
	Sum      string
	Link     string
}

func describeTree(t *testing.T, root string) map[string]treeEntry {
	t.Helper()
	out := map[string]treeEntry{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		info, err := os.Lstat(p)
		if err != nil {
			return err
		}
		st := info.Sys().(*syscall.Stat_t)
		e := treeEntry{Mode: info.Mode(), UID: st.Uid, GID: st.Gid}
		switch {
		case info.Mode().IsRegular():
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			sum := sha256.Sum256(b)
			e.Size, e.Sum = info.Size(), hex.EncodeToString(sum[:])
		case info.Mode()&fs.ModeSymlink != 0:
			e.Link, _ = os.Readlink(p)
		}
		out[rel] = e
		return nil
	})
	require.NoError(t, err)
	return out
}

// assertHomeIsSkeleton checks the home holds exactly the skeleton, owned
// by the user.
func assertHomeIsSkeleton(t *testing.T, u testUser, skel string) {
	t.Helper()
	want := describeTree(t, skel)
	for rel, e := range want {
		e.UID, e.GID = u.uid, u.gid
		if rel == "." {
			e.Mode = fs.ModeDir | 0o700
		}
		want[rel] = e
	}
	assert.Equal(t, want, describeTree(t, u.home), "home must equal the skeleton")
}

// assertNothingOwned checks no file of uid is left below dirs.
func assertNothingOwned(t *testing.T, uid uint32, dirs ...string) {
	t.Helper()
	for _, dir := range dirs {
		_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return nil
			}
			if info, err := d.Info(); err == nil && info.Sys().(*syscall.Stat_t).Uid == uid {
				t.Errorf("%q of the visitor left behind", p)
			}
			return nil
		})
	}
}

// spoolDirs points the engine's scheduler spools at temporary directories.
func spoolDirs(t *testing.T) (cron, at, linger string) {
	t.Helper()
	base := t.TempDir()
	cron, at, linger = filepath.Join(base, "crontabs"), filepath.Join(base, "atjobs"), filepath.Join(base, "linger")
	for _, d := range []string{cron, at, linger} {
		require.NoError(t, os.Mkdir(d, 0o755))
	}
	oldCron, oldAt, oldLinger := cronSpools, atSpools, lingerDir
	cronSpools, atSpools, lingerDir = []string{cron}, []string{at}, linger
	t.Cleanup(func() { cronSpools, atSpools, lingerDir = oldCron, oldAt, oldLinger })
	return cron, at, linger
}

func receiptJSON(r Receipt) string {
	b, _ := json.MarshalIndent(r, "", "  ")
	return string(b)
}

func requireVerified(t *testing.T, r Receipt) {
	t.Helper()
	require.True(t, r.Verified, "wipe not verified:\n%s", receiptJSON(r))
}
