package wipe

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// processGroup is a cgroup the engine moves the visitor's processes into,
// so that it can freeze them all at once: a frozen process cannot fork, so
// a fork storm cannot outrun the kill. cgroup v2 and the v1 freezer do it
// with different files.
type processGroup interface {
	// String names the mechanism in receipts.
	String() string
	add(pid int) error
	freeze()
	members() ([]int, error)
	// kill sends SIGKILL to every member; pids are those members, already
	// checked to be the visitor's.
	kill(pids []int, uid uint32)
	thaw()
	// evict moves a process that is not the visitor's back to the root.
	evict(pid int) error
	// remove deletes the group once it is empty.
	remove()
}

// freezeWait bounds the wait for a group to report itself frozen: a
// process in uninterruptible sleep may never freeze, and is killed anyway.
const freezeWait = 200 * time.Millisecond

// cgroupBackends lists the ways to make a group on this machine,
// preferred first: cgroup v2, which kills a whole group in one write, then
// the v1 freezer. A variable so that tests can choose one.
var cgroupBackends = func(ms []mount) []func(name string) (processGroup, error) {
	var v2, v1 []func(string) (processGroup, error)
	for _, m := range ms {
		if top, ok := topMount(ms, m.Point); !ok || top.ID != m.ID {
			continue
		}
		root := m.Point
		switch {
		case m.FSType == "cgroup2":
			v2 = append(v2, func(name string) (processGroup, error) { return newCgroupV2(root, name) })
		case m.FSType == "cgroup" && has(m.Super, "freezer"):
			v1 = append(v1, func(name string) (processGroup, error) { return newFreezerV1(root, name) })
		}
	}
	return append(v2, v1...)
}

// newProcessGroup makes the engine's group for uid with the first backend
// that works, or returns nil when no cgroup can be used.
func newProcessGroup(uid uint32) (processGroup, error) {
	ms, err := readMounts()
	if err != nil {
		return nil, err
	}
	name := "piste-wipe-" + strconv.FormatUint(uint64(uid), 10)
	var errs []error
	for _, mk := range cgroupBackends(ms) {
		g, err := mk(name)
		if err == nil {
			return g, nil
		}
		errs = append(errs, err)
	}
	if len(errs) == 0 {
		return nil, nil
	}
	return nil, errors.Join(errs...)
}

// cgroupDir is what both backends share: a directory in a cgroup
// hierarchy.
type cgroupDir struct{ root, dir string }

func makeCgroupDir(root, name string, need ...string) (cgroupDir, error) {
	dir := filepath.Join(root, name)
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
		return cgroupDir{}, fmt.Errorf("make cgroup %s: %w", dir, err)
	}
	for _, f := range need {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			_ = unix.Rmdir(dir)
			return cgroupDir{}, fmt.Errorf("cgroup %s has no %s: %w", dir, f, err)
		}
	}
	return cgroupDir{root, dir}, nil
}

func (c cgroupDir) write(file, value string) error {
	return os.WriteFile(filepath.Join(c.dir, file), []byte(value), 0o644)
}

func (c cgroupDir) add(pid int) error {
	return c.write("cgroup.procs", strconv.Itoa(pid))
}

func (c cgroupDir) evict(pid int) error {
	return os.WriteFile(filepath.Join(c.root, "cgroup.procs"), []byte(strconv.Itoa(pid)), 0o644)
}

func (c cgroupDir) members() ([]int, error) {
	b, err := os.ReadFile(filepath.Join(c.dir, "cgroup.procs"))
	if err != nil {
		return nil, err
	}
	var out []int
	for _, f := range strings.Fields(string(b)) {
		if pid, err := strconv.Atoi(f); err == nil {
			out = append(out, pid)
		}
	}
	return out, nil
}

func (c cgroupDir) remove() { _ = unix.Rmdir(c.dir) }

// waitFor polls a file of the group until it holds want or freezeWait has
// passed.
func (c cgroupDir) waitFor(file, want string) {
	deadline := time.Now().Add(freezeWait)
	for time.Now().Before(deadline) {
		b, err := os.ReadFile(filepath.Join(c.dir, file))
		if err != nil || strings.Contains(string(b), want) {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// cgroupV2 uses cgroup.freeze, and cgroup.kill, which kills every member in
// one write.
type cgroupV2 struct{ cgroupDir }

func newCgroupV2(root, name string) (processGroup, error) {
	d, err := makeCgroupDir(root, name, "cgroup.freeze", "cgroup.kill")
	if err != nil {
		return nil, err
	}
	return &cgroupV2{d}, nil
}

func (g *cgroupV2) String() string { return "cgroup v2" }

func (g *cgroupV2) freeze() {
	if g.write("cgroup.freeze", "1") == nil {
		g.waitFor("cgroup.events", "frozen 1")
	}
}

func (g *cgroupV2) kill(pids []int, uid uint32) {
	if g.write("cgroup.kill", "1") != nil {
		killEach(pids, uid)
	}
}

func (g *cgroupV2) thaw() { _ = g.write("cgroup.freeze", "0") }

// freezerV1 uses the cgroup v1 freezer. A frozen process cannot act on
// SIGKILL until thawed, and then dies before it runs again.
type freezerV1 struct{ cgroupDir }

func newFreezerV1(root, name string) (processGroup, error) {
	d, err := makeCgroupDir(root, name, "freezer.state")
	if err != nil {
		return nil, err
	}
	return &freezerV1{d}, nil
}

func (g *freezerV1) String() string { return "cgroup v1 freezer" }

func (g *freezerV1) freeze() {
	if g.write("freezer.state", "FROZEN") == nil {
		g.waitFor("freezer.state", "FROZEN")
	}
}

func (g *freezerV1) kill(pids []int, uid uint32) { killEach(pids, uid) }

func (g *freezerV1) thaw() { _ = g.write("freezer.state", "THAWED") }

func killEach(pids []int, uid uint32) {
	for _, pid := range pids {
		signal(pid, uid, unix.SIGKILL)
	}
}

// killThroughGroup moves the visitor's processes into the group, freezes
// it, sends SIGKILL to every member that is the visitor's, and thaws it so
// they die. A member that is not the visitor's (a PID reused between
// listing and moving) is moved back out first.
func killThroughGroup(g processGroup, procs []proc, uid uint32) {
	for _, p := range procs {
		_ = g.add(p.pid) // gone already, or moved
	}
	g.freeze()
	members, _ := g.members()
	var mine []int
	stranger := false
	for _, pid := range members {
		if ps, ok := readStatus(pid); ok && ps.runsAs(uid) {
			mine = append(mine, pid)
		} else if ok && g.evict(pid) != nil {
			stranger = true
		}
	}
	if stranger {
		killEach(mine, uid) // never the whole group with someone else in it
	} else {
		g.kill(mine, uid)
	}
	g.thaw()
}
