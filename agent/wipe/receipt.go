package wipe

import (
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"piste/fleet/protocol"
)

// Step names used in receipts.
const (
	StepRequest   = "request"
	StepProcesses = "processes"
	StepSystemd   = "systemd"
	StepCron      = "cron"
	StepAt        = "at"
	StepPrint     = "print"
	StepClipboard = "clipboard"
	StepHome      = "home"
	StepTemp      = "temp"
	StepVerify    = "verify"
	StepIPC       = "ipc"
	StepKeyrings  = "keyrings"
	StepFUSE      = "fuse"
	StepRunUser   = "run_user"
	StepCrash     = "crash"
	StepJournal   = "journal"
)

// verifyStep names the independent check of one class in receipts.
func verifyStep(class string) string { return StepVerify + " " + class }

// Receipt is the record of one wipe: what the agent reports to the fleet
// and what decides whether the terminal stays in service. It is the wire
// type itself, so the two sides cannot drift apart.
type Receipt = protocol.WipeReceipt

// Failure is one thing the wipe could not do or found left over.
type Failure = protocol.WipeFailure

// maxFailures caps the failures kept in one receipt: a hostile home can hold
// millions of bad entries, and the first ones are enough to act on.
const maxFailures = 200

// recorder builds a Receipt. It is safe for concurrent use so that steps
// may run in parallel.
type recorder struct {
	mu      sync.Mutex
	r       Receipt
	dropped int
	counts  map[string]int64 // what was removed, by category
}

func newRecorder(req Request, now time.Time) *recorder {
	return &recorder{r: Receipt{
		SessionID: req.SessionID,
		Trigger:   req.Trigger,
		User:      req.User,
		StartedAt: now,
		StepsRun:  []string{},
	}}
}

func (rc *recorder) fail(step, path string, err error) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if len(rc.r.Failures) >= maxFailures {
		rc.dropped++
		return
	}
	rc.r.Failures = append(rc.r.Failures, Failure{Step: step, Path: path, Error: err.Error()})
}

func (rc *recorder) ran(step string) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.r.StepsRun = append(rc.r.StepsRun, step)
}

func (rc *recorder) skipped(step, reason string) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.r.StepsSkipped = append(rc.r.StepsSkipped, step+": "+reason)
}

func (rc *recorder) removed(files, bytes int64) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.r.FilesRemoved += files
	rc.r.BytesRemoved += bytes
}

// count adds n removed items of a category (such as "ipc" or "/tmp") to
// the receipt's summary.
func (rc *recorder) count(category string, n int64) {
	if n == 0 {
		return
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.counts == nil {
		rc.counts = map[string]int64{}
	}
	rc.counts[category] += n
}

func (rc *recorder) ended(n int) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.r.ProcessesEnded += n
}

func (rc *recorder) setStrategy(s Strategy) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.r.Strategy = s
}

func (rc *recorder) failed() bool {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return len(rc.r.Failures) > 0
}

// finish seals the receipt. verified is the verdict of the independent
// check; any recorded failure overrides it.
func (rc *recorder) finish(verified bool, now time.Time) Receipt {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.dropped > 0 {
		rc.r.Failures = append(rc.r.Failures, Failure{Step: StepVerify, Error: fmt.Sprintf("%d more failures not listed", rc.dropped)})
	}
	for _, c := range slices.Sorted(maps.Keys(rc.counts)) {
		rc.r.StepsRun = append(rc.r.StepsRun, fmt.Sprintf("removed: %d from %s", rc.counts[c], c))
	}
	rc.r.EndedAt = now
	rc.r.Duration = now.Sub(rc.r.StartedAt)
	rc.r.Verified = verified && len(rc.r.Failures) == 0
	return rc.r
}
