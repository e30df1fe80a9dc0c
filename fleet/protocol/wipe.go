package protocol

import "time"

// WipeReceipt is the data of a wipe event: what the privacy wipe between
// two visitors did and whether it verified the result. It has the JSON
// form of the agent's wipe receipt.
type WipeReceipt struct {
	SessionID      string        `json:"session_id"`
	Trigger        string        `json:"trigger"`
	User           string        `json:"user,omitempty"`
	Strategy       string        `json:"strategy,omitempty"`
	StartedAt      time.Time     `json:"started_at"`
	EndedAt        time.Time     `json:"ended_at"`
	Duration       time.Duration `json:"duration_ns"`
	FilesRemoved   int64         `json:"files_removed"`
	BytesRemoved   int64         `json:"bytes_removed"`
	ProcessesEnded int           `json:"processes_ended"`
	Verified       bool          `json:"verified"`
	Failures       []WipeFailure `json:"failures,omitempty"`
	StepsRun       []string      `json:"steps_run"`
	StepsSkipped   []string      `json:"steps_skipped,omitempty"`
}

// WipeFailure is one thing a wipe could not do or found left over.
type WipeFailure struct {
	Step  string `json:"step"`
	Path  string `json:"path,omitempty"`
	Error string `json:"error"`
}
