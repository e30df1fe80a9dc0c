//go:build !windows

package update

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"
)

// Handover runs before the agent starts its daemon. When an installed
// release is newer than this binary it runs that instead: a healthy one by
// exec (this process becomes it), one on trial as a child it watches,
// rolling back when the child dies or does not reach the fleet in time.
// It returns handedOver=false when this binary should run the agent
// itself, and otherwise the exit code to leave with.
func Handover(stateDir, self string, args []string, log *slog.Logger) (code int, handedOver bool, err error) {
	dir := Dir(stateDir)
	env := os.Environ()
	if os.Getenv(BaseEnv) == "" {
		env = append(env, BaseEnv+"="+Base())
	}
	for {
		version, trial, onTrial := chosen(dir, self, log)
		if version == "" {
			return 0, false, nil
		}
		bin := binary(dir, version)
		argv := append([]string{bin}, args[1:]...)
		if !onTrial {
			log.Info("handing over to the installed release", "version", version)
			return 1, true, syscall.Exec(bin, argv, env)
		}
		code, healthy, reason := supervise(dir, bin, argv, env, trial, log)
		if healthy {
			return code, true, nil
		}
		if err := rollBack(dir, trial, reason, log); err != nil {
			return 1, true, err
		}
	}
}

// supervise runs a release on trial as a child. It reports healthy once
// the child has ended the trial (it removes trial.json when the fleet has
// its healthy report) and then waits for it to exit; otherwise it stops
// the child and says why the trial failed.
func supervise(dir, bin string, argv, env []string, t Trial, log *slog.Logger) (code int, healthy bool, reason string) {
	log.Info("starting the installed release on trial", "version", t.Version, "deadline", time.Duration(t.Deadline))
	cmd := &exec.Cmd{Path: bin, Args: argv, Env: env, Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	defer signal.Stop(sigs)
	if err := cmd.Start(); err != nil {
		return 1, false, fmt.Sprintf("could not start: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	deadline := time.NewTimer(time.Until(trialDeadline(t)))
	defer deadline.Stop()
	poll := time.NewTicker(200 * time.Millisecond)
	defer poll.Stop()
	stopping := false
	for {
		select {
		case s := <-sigs:
			stopping = true
			cmd.Process.Signal(s)
		case err := <-exited:
			if healthy || stopping {
				return exitCode(err), true, ""
			}
			return 1, false, describeExit(err) + " before reaching the fleet"
		case <-poll.C:
			if !healthy {
				if _, err := os.Stat(filepath.Join(dir, trialFile)); errors.Is(err, os.ErrNotExist) {
					healthy = true
					log.Info("installed release is healthy", "version", t.Version)
				}
			}
		case <-deadline.C:
			if healthy || stopping {
				continue
			}
			cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-exited:
			case <-time.After(10 * time.Second):
				cmd.Process.Kill()
				<-exited
			}
			return 1, false, fmt.Sprintf("did not reach the fleet and report healthy within %s", time.Duration(t.Deadline))
		}
	}
}

func exitCode(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		return 1
	}
	return 0
}
