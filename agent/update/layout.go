// Package update is the terminal's side of signed updates: it takes a
// rollout's offer from the fleet, downloads the release (resumable,
// hash-checked), verifies its signature against the terminal's own key,
// installs it between visitor sessions and keeps the previous version to
// go back to. `piste-agent run` hands over to the installed release and
// rolls back by itself when the new version does not come up healthy.
//
// The layout lives in the agent's state directory, apart from the files a
// package manager owns:
//
//	releases/<version>/piste-agent   unpacked, verified releases
//	releases/current  -> <version>   what runs (absent: the packaged binary)
//	releases/previous -> <version>   what ran before (absent: the packaged binary)
//	releases/trial.json              an installed version not yet healthy
//	releases/report.json             a report to send at the next start
//	releases/refused.json            versions that failed here
package update

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"piste/fleet/protocol"
	"piste/internal/atomicfile"
)

// Dir is the releases folder in the state directory.
func Dir(stateDir string) string { return filepath.Join(stateDir, "releases") }

const (
	currentLink  = "current"
	previousLink = "previous"
	trialFile    = "trial.json"
	reportFile   = "report.json"
	refusedFile  = "refused.json"
	downloadDir  = ".download"
)

// Trial is an installed version on probation: the launcher rolls it back
// unless it reaches the fleet within Deadline of Started.
type Trial struct {
	Version   string    `json:"version"`
	From      string    `json:"from"`
	RolloutID int64     `json:"rollout_id"`
	Started   time.Time `json:"started"`
	Deadline  Duration  `json:"deadline"`
}

// Duration is a time.Duration written as text.
type Duration time.Duration

func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	*d = Duration(v)
	return err
}

// linkVersion returns the version a link in dir points to, "" if none.
func linkVersion(dir, name string) string {
	target, err := os.Readlink(filepath.Join(dir, name))
	if err != nil {
		return ""
	}
	return filepath.Base(target)
}

// setLink points dir/name at version atomically; "" removes the link.
func setLink(dir, name, version string) error {
	path := filepath.Join(dir, name)
	if version == "" {
		if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("update: remove %s: %w", name, err)
		}
		return atomicfile.SyncDir(dir)
	}
	tmp := path + ".tmp"
	os.Remove(tmp)
	if err := os.Symlink(version, tmp); err != nil {
		return fmt.Errorf("update: link %s: %w", name, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("update: swap %s: %w", name, err)
	}
	return atomicfile.SyncDir(dir)
}

// binary is the agent binary of an unpacked release.
func binary(dir, version string) string { return filepath.Join(dir, version, "piste-agent") }

func readJSON(path string, v any) (bool, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return false, fmt.Errorf("update: %s: %w", path, err)
	}
	return true, nil
}

func writeJSON(path string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return atomicfile.Write(path, b, 0o600)
}

// ReadTrial returns the trial in dir, if any.
func ReadTrial(dir string) (Trial, bool, error) {
	var t Trial
	ok, err := readJSON(filepath.Join(dir, trialFile), &t)
	return t, ok, err
}

// saveReport keeps a report for the agent to send at its next start.
func saveReport(dir string, r protocol.UpdateReport) error {
	return writeJSON(filepath.Join(dir, reportFile), r)
}

// refused is the versions (and hashes) that failed on this terminal.
type refused map[string]string

func loadRefused(dir string) refused {
	r := refused{}
	if ok, err := readJSON(filepath.Join(dir, refusedFile), &r); !ok || err != nil {
		return refused{}
	}
	return r
}

func addRefused(dir, version, why string) error {
	r := loadRefused(dir)
	r[version] = why
	return writeJSON(filepath.Join(dir, refusedFile), r)
}
