package wipe

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

func TestWipeKeptImmutableFileFailsClosed(t *testing.T) {
	u := newTestUser(t)
	skel := makeSkeleton(t)
	e := newTestEngine(t, Options{KeepImmutable: true})
	req := request(u, skel, StrategyFiles)
	requireVerified(t, e.Wipe(context.Background(), req))
	imm := filepath.Join(u.home, "imm")
	require.NoError(t, os.WriteFile(imm, []byte("visitor data"), 0o644))
	setImmutable(t, imm, fsImmutableFL)

	r := e.Wipe(context.Background(), req)

	assert.False(t, r.Verified)
	fails := failuresAbout(r, u.home)
	require.NotEmpty(t, fails, "the failure must name the home (never the file):\n%s", receiptJSON(r))
	assert.Equal(t, StepHome, fails[0].Step)
	assert.Contains(t, fails[0].Error, "immutable")
	assert.FileExists(t, imm, "a kept immutable file stays, and the receipt says so")
}

// A process in a frozen cgroup (v1 freezer) cannot act on SIGKILL: the wipe
// must give up after its kill timeout and name it. The engine freezes
// through cgroup v2 here; with the v1 freezer it would move the process
// into its own (thawed) group, and end it.
func TestWipeUnkillableProcessFailsClosed(t *testing.T) {
	onlyBackend(t, "cgroup v2")
	u := newTestUser(t)
	freezer := "/sys/fs/cgroup/freezer"
	if _, err := os.Stat(filepath.Join(freezer, "tasks")); err != nil {
		t.Skip("needs the cgroup v1 freezer to make a process SIGKILL cannot end")
	}
	cg := filepath.Join(freezer, "piste-"+u.name)
	require.NoError(t, os.Mkdir(cg, 0o755))
	t.Cleanup(func() {
		_ = os.WriteFile(filepath.Join(cg, "freezer.state"), []byte("THAWED"), 0o644)
		killAll(u.uid)
		time.Sleep(100 * time.Millisecond)
		_ = os.Remove(cg)
	})
	skel := makeSkeleton(t)
	e := newTestEngine(t, Options{KillTimeout: 300 * time.Millisecond})
	startAs(t, u, "sleep 600")
	var pid int
	require.Eventually(t, func() bool {
		// The shell may still be there for a moment before it execs sleep.
		for _, p := range testProcs(u.uid) {
			if comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", p)); strings.TrimSpace(string(comm)) == "sleep" {
				pid = p
			}
		}
		return pid != 0
	}, 5*time.Second, 10*time.Millisecond)
	require.NoError(t, os.WriteFile(filepath.Join(cg, "tasks"), []byte(fmt.Sprint(pid)), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(cg, "freezer.state"), []byte("FROZEN"), 0o644))

	r := e.Wipe(context.Background(), request(u, skel, StrategyFiles))

	assert.False(t, r.Verified)
	var named bool
	for _, f := range r.Failures {
		named = named || (f.Step == StepProcesses && strings.Contains(f.Error, fmt.Sprintf("pid %d", pid)))
	}
	assert.True(t, named, "the failure must name pid %d:\n%s", pid, receiptJSON(r))
	assertHomeIsSkeleton(t, u, skel)
}

// With a full disk, removal comes first and frees the space the copy needs.
// A skeleton that does not fit fails closed, naming the file.
func TestWipeFullDisk(t *testing.T) {
	u := newTestUser(t)
	skel := makeSkeleton(t)
	e := newTestEngine(t, Options{})
	opts := fmt.Sprintf("size=256k,mode=0700,uid=%d,gid=%d", u.uid, u.gid)
	require.NoError(t, unix.Mount("piste-test-small", u.home, "tmpfs", 0, opts))
	req := request(u, skel, StrategyFiles)
	requireVerified(t, e.Wipe(context.Background(), req))
	cmd := `head -c 1048576 /dev/zero > "$HOME/fill" || true; df "$HOME" | tail -1`
	runAs(t, u, cmd)
	var fs unix.Statfs_t
	require.NoError(t, unix.Statfs(u.home, &fs))
	require.Zero(t, fs.Bavail, "the home must be full before the wipe")

	r := e.Wipe(context.Background(), req)
	requireVerified(t, r)
	assertHomeIsSkeleton(t, u, skel)

	big := filepath.Join(skel, "Desktop", "big.bin")
	require.NoError(t, os.WriteFile(big, make([]byte, 512<<10), 0o644))
	r = e.Wipe(context.Background(), req)
	assert.False(t, r.Verified)
	fails := failuresAbout(r, u.home)
	require.NotEmpty(t, fails, "the failure must name the home:\n%s", receiptJSON(r))
	assert.Contains(t, fails[0].Error, syscall.ENOSPC.Error())
}

func TestWipeRefusesHomeOfSomeoneElse(t *testing.T) {
	u := newTestUser(t)
	skel := makeSkeleton(t)
	e := newTestEngine(t, Options{})
	other := outsideDir(t) // root's, with a file in it
	require.NoError(t, os.WriteFile(filepath.Join(other, "precious"), []byte("x"), 0o644))
	req := request(u, skel, StrategyFiles)
	req.Home = other

	r := e.Wipe(context.Background(), req)

	assert.False(t, r.Verified)
	assert.FileExists(t, filepath.Join(other, "precious"))
	assert.NotEmpty(t, failuresAbout(r, other))
}

// An unknown trigger is a caller's bug: the wipe still runs, and fails.
func TestWipeUnknownTriggerStillWipes(t *testing.T) {
	u := newTestUser(t)
	skel := makeSkeleton(t)
	e := newTestEngine(t, Options{})
	req := request(u, skel, StrategyFiles)
	req.Trigger = "lunch_break"
	runAs(t, u, `echo x > "$HOME/left"`)

	r := e.Wipe(context.Background(), req)

	assert.False(t, r.Verified)
	require.NotEmpty(t, r.Failures)
	assert.Equal(t, StepRequest, r.Failures[0].Step)
	assert.NoFileExists(t, filepath.Join(u.home, "left"))
}

func TestWipeRefusesRoot(t *testing.T) {
	requireRoot(t)
	r := newTestEngine(t, Options{}).Wipe(context.Background(), Request{Trigger: TriggerRemote, User: "root", Skeleton: "/etc/skel"})
	assert.False(t, r.Verified)
	require.Len(t, r.Failures, 1)
	assert.Contains(t, r.Failures[0].Error, "root")
}
