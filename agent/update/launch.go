package update

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"piste/fleet/protocol"
	"piste/internal/release"
)

// BaseEnv names the packaged binary the service started: a release
// restarts through it, so the choice of binary is made in one place.
const BaseEnv = "PISTE_AGENT_BASE"

// Base is the packaged binary: the one the service manager started.
func Base() string {
	if b := os.Getenv(BaseEnv); b != "" {
		return b
	}
	exe, err := os.Executable()
	if err != nil {
		return os.Args[0]
	}
	return exe
}

// chosen returns the installed release to run instead of self, if one is
// newer than self, and whether it is on trial.
func chosen(dir, self string, log *slog.Logger) (version string, trial Trial, onTrial bool) {
	cur := linkVersion(dir, currentLink)
	if cur == "" || !release.Newer(cur, self) {
		return "", Trial{}, false
	}
	if fi, err := os.Stat(binary(dir, cur)); err != nil || fi.Mode()&0o111 == 0 {
		log.Error("installed release has no runnable piste-agent; running the packaged one", "version", cur, "err", err)
		return "", Trial{}, false
	}
	t, ok, err := ReadTrial(dir)
	if err != nil {
		log.Warn("update trial", "err", err)
	}
	return cur, t, ok && t.Version == cur
}

// rollBack ends a failed trial: current goes back to previous, the failed
// version is never installed again, and the next agent to run tells the
// fleet why.
func rollBack(dir string, t Trial, reason string, log *slog.Logger) error {
	log.Error("update rolled back", "version", t.Version, "to", t.From, "reason", reason)
	prev := linkVersion(dir, previousLink)
	if err := setLink(dir, currentLink, prev); err != nil {
		return err
	}
	if err := setLink(dir, previousLink, ""); err != nil {
		return err
	}
	os.Remove(filepath.Join(dir, trialFile))
	if err := addRefused(dir, t.Version, reason); err != nil {
		return err
	}
	os.RemoveAll(filepath.Join(dir, t.Version))
	return saveReport(dir, protocol.UpdateReport{RolloutID: t.RolloutID, Version: t.Version, Status: protocol.UpdateRolledBack,
		Detail: reason})
}

// trialDeadline is when a trial that starts now must be healthy.
func trialDeadline(t Trial) time.Time {
	d := time.Duration(t.Deadline)
	if d <= 0 {
		d = 2 * time.Minute
	}
	return time.Now().Add(d)
}

func describeExit(err error) string {
	if err == nil {
		return "exited"
	}
	return fmt.Sprintf("exited (%v)", err)
}
