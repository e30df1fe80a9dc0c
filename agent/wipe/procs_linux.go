package wipe

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

// userProcs lists the live processes that run as uid.
func userProcs(uid uint32) ([]proc, error) {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil, fmt.Errorf("wipe: list processes: %w", err)
	}
	var out []proc
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		ps, ok := readStatus(pid)
		if ok && ps.runsAs(uid) && !ps.dead() {
			out = append(out, proc{pid, ps.Name})
		}
	}
	return out, nil
}

func readStatus(pid int) (procStatus, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return procStatus{}, false // exited
	}
	ps, err := parseProcStatus(string(b))
	return ps, err == nil
}

// signal sends sig to pid if it still runs as uid. A pidfd pins the process
// while its owner is checked, so a recycled PID is never signalled.
func signal(pid int, uid uint32, sig unix.Signal) {
	fd, err := unix.PidfdOpen(pid, 0)
	if errors.Is(err, unix.ENOSYS) {
		if ps, ok := readStatus(pid); ok && ps.runsAs(uid) {
			_ = unix.Kill(pid, sig)
		}
		return
	}
	if err != nil {
		return // exited
	}
	defer unix.Close(fd)
	if ps, ok := readStatus(pid); ok && ps.runsAs(uid) {
		_ = unix.PidfdSendSignal(fd, sig, nil, 0)
	}
}

// endProcesses ends every process of uid: SIGTERM, up to grace to exit, then
// SIGKILL until none is left or killTimeout has passed. With a group, each
// SIGKILL round freezes the processes first, so none can fork meanwhile.
// It returns how many processes it ended and those still running.
func endProcesses(ctx context.Context, uid uint32, grace, killTimeout time.Duration, g processGroup) (int, []proc, error) {
	seen := map[int]bool{}
	procs, err := userProcs(uid)
	if err != nil || len(procs) == 0 {
		return 0, nil, err
	}
	for _, p := range procs {
		seen[p.pid] = true
		signal(p.pid, uid, unix.SIGTERM)
		signal(p.pid, uid, unix.SIGCONT) // a stopped process cannot act on SIGTERM
	}
	if procs, err = waitGone(ctx, uid, grace); err != nil || len(procs) == 0 {
		return len(seen), procs, err
	}
	deadline := time.Now().Add(killTimeout)
	for len(procs) > 0 && time.Now().Before(deadline) && ctx.Err() == nil {
		for _, p := range procs {
			seen[p.pid] = true
		}
		if g != nil {
			killThroughGroup(g, procs, uid)
		} else {
			for _, p := range procs {
				signal(p.pid, uid, unix.SIGKILL)
			}
		}
		time.Sleep(10 * time.Millisecond)
		if procs, err = settledProcs(uid); err != nil {
			return len(seen), nil, err
		}
	}
	return len(seen), procs, ctx.Err()
}

// settledProcs lists uid's processes; an empty list is only believed when
// a second look a moment later agrees. Reading /proc while a fork storm
// dies can miss entries that are created and listed concurrently, and a
// wipe must not stop killing on one such miss.
func settledProcs(uid uint32) ([]proc, error) {
	procs, err := userProcs(uid)
	if err != nil || len(procs) > 0 {
		return procs, err
	}
	time.Sleep(20 * time.Millisecond)
	return userProcs(uid)
}

// waitGone polls until uid has no process or d has passed, and returns
// those left.
func waitGone(ctx context.Context, uid uint32, d time.Duration) ([]proc, error) {
	deadline := time.Now().Add(d)
	for {
		procs, err := settledProcs(uid)
		if err != nil || len(procs) == 0 || !time.Now().Before(deadline) {
			return procs, err
		}
		select {
		case <-ctx.Done():
			return procs, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}
