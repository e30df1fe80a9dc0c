package wipe

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Places other programs keep a user's scheduled work. Variables so that
// tests can point them at temporary directories.
var (
	lingerDir     = "/var/lib/systemd/linger"
	systemdRunDir = "/run/systemd/system"
	cronSpools    = []string{"/var/spool/cron/crontabs", "/var/spool/cron"}
	atSpools      = []string{"/var/spool/cron/atjobs", "/var/spool/cron/atspool", "/var/spool/at"}
)

// runTool runs a helper command with a timeout and returns its output.
func runTool(ctx context.Context, timeout time.Duration, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

func haveTool(name string) bool {
	_, err := exec.LookPath(name)
	return err == nil
}

// endSystemd stops the user's systemd manager and lingering, so no user
// unit outlives the session or starts in the next one.
func (e *linuxEngine) endSystemd(ctx context.Context, rc *recorder, user string) {
	lingerFile := filepath.Join(lingerDir, user)
	if err := os.Remove(lingerFile); err != nil && !errors.Is(err, os.ErrNotExist) {
		rc.fail(StepSystemd, lingerFile, fmt.Errorf("remove linger flag: %w", err))
	}
	if !haveTool("loginctl") {
		rc.skipped(StepSystemd, "loginctl not installed")
		return
	}
	if _, err := os.Stat(systemdRunDir); err != nil {
		rc.skipped(StepSystemd, "systemd is not the init system")
		return
	}
	for _, verb := range []string{"terminate-user", "disable-linger"} {
		out, err := runTool(ctx, e.opts.CommandTimeout, "loginctl", verb, user)
		if err != nil && !strings.Contains(out, "not logged in") {
			rc.fail(StepSystemd, "", fmt.Errorf("loginctl %s %s: %w: %s", verb, user, err, out))
		}
	}
	rc.ran(StepSystemd)
}

// endCron removes the user's crontab.
func (e *linuxEngine) endCron(ctx context.Context, rc *recorder, user string) {
	found := false
	if haveTool("crontab") {
		found = true
		out, err := runTool(ctx, e.opts.CommandTimeout, "crontab", "-r", "-u", user)
		if err != nil && !strings.Contains(out, "no crontab") {
			rc.fail(StepCron, "", fmt.Errorf("crontab -r -u %s: %w: %s", user, err, out))
		}
	}
	for _, dir := range cronSpools {
		if _, err := os.Stat(dir); err != nil {
			continue
		}
		found = true
		removeRegular(rc, StepCron, filepath.Join(dir, user))
	}
	if !found {
		rc.skipped(StepCron, "not installed")
		return
	}
	rc.ran(StepCron)
}

// endAt removes the user's at jobs: at keeps each job in a spool file owned
// by the user who queued it.
func (e *linuxEngine) endAt(rc *recorder, uid uint32) {
	found := false
	for _, dir := range atSpools {
		ents, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		found = true
		for _, ent := range ents {
			info, err := ent.Info()
			if err != nil || !info.Mode().IsRegular() {
				continue
			}
			if st, ok := info.Sys().(*syscall.Stat_t); ok && st.Uid == uid {
				removeRegular(rc, StepAt, filepath.Join(dir, ent.Name()))
			}
		}
	}
	if !found {
		rc.skipped(StepAt, "not installed")
		return
	}
	rc.ran(StepAt)
}

// removeRegular removes path if it is a regular file (never a directory or
// what a symlink points to).
func removeRegular(rc *recorder, step, path string) {
	info, err := os.Lstat(path)
	if errors.Is(err, os.ErrNotExist) {
		return
	}
	if err == nil && !info.Mode().IsRegular() {
		err = fmt.Errorf("is a %s, not a regular file", info.Mode().Type())
	}
	if err == nil {
		err = os.Remove(path)
	}
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		rc.fail(step, filepath.Dir(path), impersonalErr(err))
	}
}

// endPrint cancels the user's print jobs. It lists every job and cancels
// the user's by id: "cancel -u USER" run by root leaves other users' jobs
// queued on CUPS 2.4. A spooler that cannot be asked fails the wipe: the
// jobs might print for the next visitor to pick up.
func (e *linuxEngine) endPrint(ctx context.Context, rc *recorder, user string) {
	defer removeSpoolFiles(rc, user)
	if !haveTool("lpstat") || !haveTool("cancel") {
		rc.skipped(StepPrint, "CUPS not installed")
		return
	}
	out, err := runTool(ctx, e.opts.CommandTimeout, "lpstat", "-o")
	if err != nil && !remoteCUPS() && !exists(cupsSocket) {
		rc.skipped(StepPrint, "the local CUPS scheduler is not running, so no job can be queued")
		return
	}
	if err != nil {
		rc.fail(StepPrint, "", fmt.Errorf("lpstat -o: %w: %s", err, out))
		return
	}
	if ids := jobsOf(out, user); len(ids) > 0 {
		if out, err := runTool(ctx, e.opts.CommandTimeout, "cancel", ids...); err != nil {
			rc.fail(StepPrint, "", fmt.Errorf("cancel %s: %w: %s", strings.Join(ids, " "), err, out))
			return
		}
	}
	e.purgeHistory(ctx, rc, user)
	rc.ran(StepPrint)
}

// printJobsLeft lists the user's print jobs still queued or remembered.
func printJobsLeft(ctx context.Context, timeout time.Duration, user string) ([]string, error) {
	if !haveTool("lpstat") {
		return nil, nil
	}
	out, err := runTool(ctx, timeout, "lpstat", "-W", "all", "-o")
	if err != nil && !remoteCUPS() && !exists(cupsSocket) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("lpstat -o: %w: %s", err, out)
	}
	return jobsOf(out, user), nil
}

// The local CUPS scheduler's socket and client configuration.
var (
	cupsSocket     = "/run/cups/cups.sock"
	cupsClientConf = "/etc/cups/client.conf"
)

// remoteCUPS reports whether print jobs go to a print server elsewhere,
// where they outlive a local scheduler being down.
func remoteCUPS() bool {
	if os.Getenv("CUPS_SERVER") != "" {
		return true
	}
	b, err := os.ReadFile(cupsClientConf)
	if err != nil {
		return false
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && strings.EqualFold(f[0], "ServerName") && !strings.HasPrefix(f[1], "/") {
			return true
		}
	}
	return false
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
