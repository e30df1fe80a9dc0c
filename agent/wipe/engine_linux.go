package wipe

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/user"
	"strconv"
	"sync"
	"time"
)

// linuxEngine wipes a local Linux account. It runs one wipe at a time.
type linuxEngine struct {
	opts   Options
	mu     sync.Mutex
	probe  sync.Once
	usable []Strategy
	cache  hashCache
}

// New returns the engine for this platform with production options.
func New() Engine { return NewWithOptions(Options{}) }

// NewWithOptions returns the engine for this platform.
func NewWithOptions(o Options) Engine { return &linuxEngine{opts: o.withDefaults()} }

// Strategies probes mounting once and lists the usable strategies.
func (e *linuxEngine) Strategies() []Strategy {
	e.probe.Do(func() {
		if os.Geteuid() != 0 {
			e.usable = []Strategy{StrategyFiles}
			return
		}
		e.usable = probeStrategies(e.opts.StateDir)
	})
	return append([]Strategy(nil), e.usable...)
}

// target is a validated request with the account resolved.
type target struct {
	Request
	home     string
	uid, gid uint32
	want     Manifest // the skeleton as the home must hold it; nil if unreadable
	swept    []string // the places swept for the visitor's files
}

func lookupTarget(req Request) (target, error) {
	u, err := user.Lookup(req.User)
	if err != nil {
		return target{}, fmt.Errorf("wipe: look up user %q: %w", req.User, err)
	}
	uid, err := strconv.ParseUint(u.Uid, 10, 32)
	if err != nil {
		return target{}, fmt.Errorf("wipe: user %q has uid %q: %w", req.User, u.Uid, err)
	}
	gid, err := strconv.ParseUint(u.Gid, 10, 32)
	if err != nil {
		return target{}, fmt.Errorf("wipe: user %q has gid %q: %w", req.User, u.Gid, err)
	}
	if uid == 0 {
		return target{}, fmt.Errorf("wipe: user %q is root: refusing to wipe it", req.User)
	}
	home := req.Home
	if home == "" {
		home = u.HomeDir
	}
	return target{Request: req, home: home, uid: uint32(uid), gid: uint32(gid)}, nil
}

// Wipe runs every step even when one fails, so that as much as possible of
// the visitor is gone; any failure leaves the receipt unverified.
func (e *linuxEngine) Wipe(ctx context.Context, req Request) Receipt {
	e.mu.Lock()
	defer e.mu.Unlock()
	rc := newRecorder(req, time.Now())
	t, err := e.prepare(req)
	if err != nil {
		rc.fail(StepRequest, "", err)
		return rc.finish(false, time.Now())
	}
	if err := req.checkTrigger(); err != nil {
		rc.fail(StepRequest, "", err)
	}
	if t.want, err = e.skeleton(rc, t); err != nil {
		rc.fail(StepHome, t.Skeleton, err)
	}
	t.swept = e.sweepPlaces(rc, t)
	steps := []func(context.Context, *recorder, target){
		e.stepProcesses, e.stepFUSE, e.stepServices, e.stepIPC, e.stepKeyrings, e.stepHome, e.stepTemp, e.stepPlaces,
	}
	for _, step := range steps {
		if err := ctx.Err(); err != nil {
			rc.fail(StepRequest, "", fmt.Errorf("wipe: stopped before it finished: %w", err))
			return rc.finish(false, time.Now())
		}
		step(ctx, rc, t)
	}
	rc.ran(StepClipboard + ": the X selection lives in the visitor's processes and ended with them")
	return rc.finish(e.verify(ctx, rc, t), time.Now())
}

func (e *linuxEngine) prepare(req Request) (target, error) {
	if os.Geteuid() != 0 {
		return target{}, errors.New("wipe: must run as root to end processes and reset the home")
	}
	t, err := lookupTarget(req)
	if err != nil {
		return t, err
	}
	if err := req.validate(t.home); err != nil {
		return t, err
	}
	return t, nil
}

func (e *linuxEngine) stepProcesses(ctx context.Context, rc *recorder, t target) {
	g, err := newProcessGroup(t.uid)
	switch {
	case err != nil:
		rc.skipped(StepProcesses, fmt.Sprintf("no cgroup to freeze processes in, ended by signals alone: %v", err))
	case g == nil:
		rc.skipped(StepProcesses, "no cgroup to freeze processes in, ended by signals alone")
	default:
		defer g.remove()
		rc.ran(StepProcesses + ": each SIGKILL round freezes the processes through " + g.String())
	}
	n, left, err := endProcesses(ctx, t.uid, t.grace(), e.opts.KillTimeout, g)
	rc.ended(n)
	if err != nil {
		rc.fail(StepProcesses, "", err)
	}
	for _, p := range left {
		rc.fail(StepProcesses, "", fmt.Errorf("pid %d still runs after SIGKILL", p.pid))
	}
	rc.ran(StepProcesses)
}

func (e *linuxEngine) stepServices(ctx context.Context, rc *recorder, t target) {
	e.endSystemd(ctx, rc, t.User)
	e.endCron(ctx, rc, t.User)
	e.endAt(rc, t.uid)
	e.endPrint(ctx, rc, t.User)
}
