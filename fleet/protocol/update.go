package protocol

import (
	"fmt"
	"regexp"
	"strings"
)

// NoticeUpdate is the Notice kind that offers a terminal a signed release
// (or tells it to go back to the version it came from). Its data is an
// UpdateOffer. A notice is not acked: the fleet offers again at every
// connect until the terminal reports the version.
const NoticeUpdate = "update"

// EventUpdate is the event kind by which an agent reports its way through
// an update; its data is an UpdateReport.
const EventUpdate = "update"

// PathAgentReleases is where an agent downloads a release, authenticated
// by its terminal token: GET PathAgentReleases + VERSION/OS/ARCH, with
// Range requests for resuming. The answer carries the file's SHA-256 as
// its ETag.
const PathAgentReleases = "/api/v1/agent/releases/"

// ReleasePath is the download path of one release.
func ReleasePath(version, os, arch string) string {
	return PathAgentReleases + version + "/" + os + "/" + arch
}

// MaxReleaseBytes bounds a release artifact.
const MaxReleaseBytes = 512 << 20

// UpdateOffer is the data of an update notice.
type UpdateOffer struct {
	RolloutID int64  `json:"rollout_id"`
	Version   string `json:"version"`
	// Path is where to download the artifact (ReleasePath).
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
	// Signature is the release's minisign signature. The agent checks it
	// against its own key only: a fleet cannot vouch for a release.
	Signature string `json:"signature"`
	// Rollback asks a terminal running Version to go back to RollbackTo,
	// the version it ran before this rollout: the one case in which an
	// agent runs an older version.
	Rollback   bool   `json:"rollback,omitempty"`
	RollbackTo string `json:"rollback_to,omitempty"`
}

var sha256Hex = regexp.MustCompile(`^[0-9a-f]{64}$`)

// Validate checks an offer's fields before an agent acts on it.
func (o UpdateOffer) Validate() error {
	switch {
	case o.RolloutID <= 0:
		return fmt.Errorf("%w: update rollout_id must be positive", ErrMalformed)
	case o.Version == "" || len(o.Version) > 64:
		return fmt.Errorf("%w: update version must be 1 to 64 characters", ErrMalformed)
	case o.Rollback:
		if o.RollbackTo == "" || len(o.RollbackTo) > 64 {
			return fmt.Errorf("%w: update rollback_to must be 1 to 64 characters", ErrMalformed)
		}
		return nil
	case !strings.HasPrefix(o.Path, PathAgentReleases) || len(o.Path) > 256 || strings.Contains(o.Path, ".."):
		return fmt.Errorf("%w: update path must be below %s", ErrMalformed, PathAgentReleases)
	case !sha256Hex.MatchString(o.SHA256):
		return fmt.Errorf("%w: update sha256 must be 64 lower-case hex digits", ErrMalformed)
	case o.Size <= 0 || o.Size > MaxReleaseBytes:
		return fmt.Errorf("%w: update size must be between 1 and %d bytes", ErrMalformed, MaxReleaseBytes)
	case o.Signature == "" || len(o.Signature) > 4096:
		return fmt.Errorf("%w: update signature must be 1 to 4096 characters", ErrMalformed)
	}
	return nil
}

// UpdateStatus is a step of a terminal's way through an update.
type UpdateStatus string

// The update statuses an agent reports.
const (
	// UpdateRefused: the release did not verify (signature, hash, content)
	// or would be a downgrade; nothing was installed.
	UpdateRefused UpdateStatus = "refused"
	// UpdateStaged: downloaded and verified; waiting for no session.
	UpdateStaged UpdateStatus = "staged"
	// UpdateInstalling: swapped in; the agent restarts into it.
	UpdateInstalling UpdateStatus = "installing"
	// UpdateHealthy: the new version runs and reached the fleet.
	UpdateHealthy UpdateStatus = "healthy"
	// UpdateRolledBack: the new version did not come up healthy in time,
	// and the terminal went back to the previous one by itself.
	UpdateRolledBack UpdateStatus = "rolled_back"
	// UpdateReverted: the terminal went back as the admin asked.
	UpdateReverted UpdateStatus = "reverted"
	// UpdateFailed: the update could not be carried out (disk, download).
	UpdateFailed UpdateStatus = "failed"
)

// UpdateReport is the data of an update event.
type UpdateReport struct {
	RolloutID int64        `json:"rollout_id"`
	Version   string       `json:"version"`
	Status    UpdateStatus `json:"status"`
	// Running is the version the agent runs as it reports.
	Running string `json:"running,omitempty"`
	Detail  string `json:"detail,omitempty"`
}

// Validate checks a report's fields before the fleet records it.
func (r UpdateReport) Validate() error {
	switch r.Status {
	case UpdateRefused, UpdateStaged, UpdateInstalling, UpdateHealthy, UpdateRolledBack, UpdateReverted, UpdateFailed:
	default:
		return fmt.Errorf("%w: update status %q is not one of this build's", ErrMalformed, r.Status)
	}
	if r.RolloutID <= 0 || r.Version == "" || len(r.Version) > 64 || len(r.Running) > 64 || len(r.Detail) > 1024 {
		return fmt.Errorf("%w: update report needs a rollout_id, a version (at most 64) and a detail of at most 1024 characters", ErrMalformed)
	}
	return nil
}
