package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"piste/agent/wipe"
	"piste/testing/osuser"
)

type config struct {
	files, megabytes, procs  int
	skelFiles, skelMegabytes int
	strategy                 string
}

func (c config) validate() error {
	switch {
	case c.files < 1 || c.megabytes < 0 || c.procs < 0:
		return errors.New("-files must be at least 1, -mb and -procs at least 0")
	case c.skelFiles < 1 || c.skelMegabytes < 0:
		return errors.New("-skel-files must be at least 1 and -skel-mb at least 0")
	}
	return nil
}

// bench owns everything the run creates, so that cleanup can remove it.
type bench struct {
	cfg      config
	base     string
	home     string
	skel     string
	user     string
	uid, gid int
	engine   wipe.Engine
}

func newBench(cfg config) (*bench, error) {
	base, err := os.MkdirTemp("/var/tmp", "piste-bench-wipe-")
	if err != nil {
		return nil, fmt.Errorf("make work directory: %w", err)
	}
	// The visitor must be able to reach its home below the work directory.
	if err := os.Chmod(base, 0o755); err != nil {
		return nil, err
	}
	b := &bench{cfg: cfg, base: base, home: filepath.Join(base, "home"), skel: filepath.Join(base, "skel")}
	b.user = "piste-bench" + strconv.Itoa(os.Getpid()%100000)
	if out, err := exec.Command("useradd", "--no-create-home", "--home-dir", b.home, "--shell", "/bin/sh", "--user-group", b.user).CombinedOutput(); err != nil {
		b.user = ""
		return b, fmt.Errorf("useradd: %w: %s", err, out)
	}
	u, err := user.Lookup(b.user)
	if err != nil {
		return b, err
	}
	b.uid, _ = strconv.Atoi(u.Uid)
	b.gid, _ = strconv.Atoi(u.Gid)
	if err := os.Mkdir(b.home, 0o700); err != nil {
		return b, err
	}
	if err := os.Chown(b.home, b.uid, b.gid); err != nil {
		return b, err
	}
	if err := fill(context.Background(), b.skel, cfg.skelFiles, cfg.skelMegabytes, 0, 0); err != nil {
		return b, fmt.Errorf("make skeleton: %w", err)
	}
	b.engine = wipe.NewWithOptions(wipe.Options{StateDir: filepath.Join(base, "state"), TmpfsSize: "2g"})
	return b, nil
}

func (b *bench) request(s wipe.Strategy, trigger wipe.Trigger) wipe.Request {
	return wipe.Request{SessionID: "bench", Trigger: trigger, User: b.user, Home: b.home, Skeleton: b.skel, Strategy: s, Grace: 2 * time.Second}
}

// measure sets the home up for strategy s, fills it and times one wipe.
func (b *bench) measure(ctx context.Context, s wipe.Strategy) (float64, wipe.Receipt, error) {
	if r := b.engine.Wipe(ctx, b.request(s, wipe.TriggerRecovery)); !r.Verified {
		return 0, r, fmt.Errorf("preparing wipe not verified: %v", r.Failures)
	}
	if err := fill(ctx, filepath.Join(b.home, "Downloads"), b.cfg.files, b.cfg.megabytes, b.uid, b.gid); err != nil {
		return 0, wipe.Receipt{}, fmt.Errorf("fill home: %w", err)
	}
	// Written out, as a visitor's files would be by the session's end:
	// deleting files still in delayed allocation costs next to nothing.
	syscall.Sync()
	if err := b.startProcs(); err != nil {
		return 0, wipe.Receipt{}, err
	}
	start := time.Now()
	r := b.engine.Wipe(ctx, b.request(s, wipe.TriggerVisitorEnd))
	secs := time.Since(start).Seconds()
	if !r.Verified {
		return secs, r, fmt.Errorf("wipe not verified: %v", r.Failures)
	}
	return secs, r, nil
}

// fill writes n files holding mb megabytes together below dir, a hundred
// to a directory, owned by uid:gid.
func fill(ctx context.Context, dir string, n, mb, uid, gid int) error {
	size := int64(mb) << 20 / int64(n)
	buf := make([]byte, size)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range buf {
		buf[i] = byte(rng.Uint32())
	}
	for i := range n {
		if err := ctx.Err(); err != nil {
			return err
		}
		sub := filepath.Join(dir, fmt.Sprintf("d%03d", i/100))
		if i%100 == 0 {
			if err := os.MkdirAll(sub, 0o755); err != nil {
				return err
			}
			if err := chownUp(sub, dir, uid, gid); err != nil {
				return err
			}
		}
		p := filepath.Join(sub, fmt.Sprintf("f%05d.bin", i))
		buf[0] = byte(i) // no two files alike
		if err := os.WriteFile(p, buf, 0o644); err != nil {
			return err
		}
		if err := os.Chown(p, uid, gid); err != nil {
			return err
		}
	}
	return nil
}

// chownUp gives p and its parents up to and including top to uid:gid.
func chownUp(p, top string, uid, gid int) error {
	for ; strings.HasPrefix(p, top); p = filepath.Dir(p) {
		if err := os.Chown(p, uid, gid); err != nil {
			return err
		}
		if p == top {
			return nil
		}
	}
	return nil
}

func (b *bench) startProcs() error {
	for range b.cfg.procs {
		cmd := exec.Command("sleep", "600")
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Credential: &syscall.Credential{Uid: uint32(b.uid), Gid: uint32(b.gid)}}
		if err := cmd.Start(); err != nil {
			return fmt.Errorf("start visitor process: %w", err)
		}
		go func() { _ = cmd.Wait() }()
	}
	return nil
}

// cleanup removes the user, its processes, the mounts and the work
// directory, whatever state the run stopped in.
func (b *bench) cleanup() {
	if b.user != "" {
		osuser.KillAll(b.uid)
		osuser.UnmountBelow(b.base)
		if out, err := exec.Command("userdel", b.user).CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "piste-bench-wipe: userdel %s: %v: %s\n", b.user, err, out)
		}
	}
	osuser.UnmountBelow(b.base)
	if err := os.RemoveAll(b.base); err != nil {
		fmt.Fprintln(os.Stderr, "piste-bench-wipe: remove work directory:", err)
	}
}
