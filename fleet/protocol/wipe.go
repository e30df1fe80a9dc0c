package protocol

import (
	"fmt"
	"time"
)

// WipeTrigger says why a session ended and the wipe ran.
type WipeTrigger string

// The triggers a session can end with.
const (
	TriggerVisitorEnd WipeTrigger = "visitor_end" // the visitor pressed "end session"
	TriggerTimeout    WipeTrigger = "timeout"     // the session ran out of time
	TriggerIdle       WipeTrigger = "idle"        // nobody touched the terminal for too long
	TriggerClosing    WipeTrigger = "closing"     // the library is closing
	TriggerRemote     WipeTrigger = "remote"      // an admin ended the session from the fleet
	TriggerRecovery   WipeTrigger = "recovery"    // start-up after a crash or power loss
)

// WipeStrategy names how the visitor's home was put back to the skeleton.
type WipeStrategy string

// The home reset strategies.
const (
	// StrategyTmpfs mounts a fresh tmpfs on the home and copies the skeleton
	// into it. It is preferred where mounting works.
	StrategyTmpfs WipeStrategy = "tmpfs"
	// StrategyOverlay mounts an overlay with a private copy of the skeleton
	// as the lower layer and the visitor's writes on a tmpfs: nothing is
	// copied per session, whatever the skeleton's size.
	StrategyOverlay WipeStrategy = "overlay"
	// StrategyFiles resets the home file by file. It needs no mount support
	// and keeps files that already match the skeleton.
	StrategyFiles WipeStrategy = "files"
)

// WipeReceipt is the record of one privacy wipe between two visitors, and
// the data of a wipe event. The agent builds it (agent/wipe) and decides
// by it whether the terminal stays in service; the fleet stores it.
type WipeReceipt struct {
	SessionID string        `json:"session_id"`
	Trigger   WipeTrigger   `json:"trigger"`
	User      string        `json:"user,omitempty"`
	Strategy  WipeStrategy  `json:"strategy,omitempty"`
	StartedAt time.Time     `json:"started_at"`
	EndedAt   time.Time     `json:"ended_at"`
	Duration  time.Duration `json:"duration_ns"`
	// FilesRemoved counts removed entries other than directories, and
	// BytesRemoved the size of the regular files among them. With the tmpfs
	// and overlay strategies they count what the discarded mount held: the
	// whole home for tmpfs, only the visitor's changes for overlay.
	FilesRemoved   int64 `json:"files_removed"`
	BytesRemoved   int64 `json:"bytes_removed"`
	ProcessesEnded int   `json:"processes_ended"`
	// Verified is true only when every step ran without failure and the
	// independent check found nothing of the visitor left.
	Verified     bool          `json:"verified"`
	Failures     []WipeFailure `json:"failures,omitempty"`
	StepsRun     []string      `json:"steps_run"`
	StepsSkipped []string      `json:"steps_skipped,omitempty"`
}

// WipeFailure is one thing a wipe could not do or found left over. Path
// names a place that is not the visitor's (a swept directory such as /tmp,
// the home, or a class such as "ipc"), never a name the visitor chose:
// file names are personal data.
type WipeFailure struct {
	Step  string `json:"step"`
	Path  string `json:"path,omitempty"`
	Error string `json:"error"`
}

func (f WipeFailure) String() string {
	if f.Path == "" {
		return fmt.Sprintf("%s: %s", f.Step, f.Error)
	}
	return fmt.Sprintf("%s: %q: %s", f.Step, f.Path, f.Error)
}
