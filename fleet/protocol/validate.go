package protocol

import (
	"encoding/json"
	"errors"
	"fmt"
)

// ErrInvalidData is wrapped by every error about the data of an event whose
// envelope was sound. The fleet acknowledges such an event and keeps it
// aside: resending it would not make it readable.
var ErrInvalidData = errors.New("invalid event data")

// Validator is event data that can check itself once decoded.
type Validator interface{ Validate() error }

// DecodeData decodes an event's data into v and checks it. Unknown fields
// are ignored, as everywhere in the protocol.
func DecodeData(ev Event, v Validator) error {
	if len(ev.Data) == 0 || string(ev.Data) == "null" {
		return fmt.Errorf("%w: %s event has no data", ErrInvalidData, ev.Kind)
	}
	if err := json.Unmarshal(ev.Data, v); err != nil {
		return fmt.Errorf("%w: %s data: %v", ErrInvalidData, ev.Kind, err)
	}
	if err := v.Validate(); err != nil {
		return fmt.Errorf("%w: %s data: %v", ErrInvalidData, ev.Kind, err)
	}
	return nil
}

// CheckData checks an event's data against the rules of its kind. Test
// events carry anything, and a kind this build does not know (from a newer
// agent) is accepted as sent, so that a newer agent works with an older fleet.
func CheckData(ev Event) error {
	switch ev.Kind {
	case EventHealth:
		return DecodeData(ev, &Health{})
	case EventState:
		return DecodeData(ev, &StateChange{})
	case EventCommandResult:
		return DecodeData(ev, &CommandResult{})
	case EventSession:
		return DecodeData(ev, &SessionEvent{})
	case EventWipe:
		return DecodeData(ev, &WipeReceipt{})
	case EventPolicyResult:
		return DecodeData(ev, &PolicyResult{})
	case EventPower:
		return DecodeData(ev, &PowerSpan{})
	case EventSignagePlay:
		return DecodeData(ev, &SignagePlay{})
	case EventSignageStatus:
		return DecodeData(ev, &SignageStatus{})
	}
	return nil
}

// Validate checks a health sample: the percentages lie from 0 to 100.
func (h Health) Validate() error {
	for _, f := range []struct {
		name string
		v    float64
	}{{"cpu_percent", h.CPUPercent}, {"mem_used_percent", h.MemUsedPercent}, {"disk_used_percent", h.DiskUsedPercent}} {
		if !(f.v >= 0 && f.v <= 100) {
			return fmt.Errorf("%s must be from 0 to 100, got %v", f.name, f.v)
		}
	}
	return nil
}

// Validate checks a state change: it names a state.
func (s StateChange) Validate() error {
	if s.State == "" || len(s.State) > 64 {
		return fmt.Errorf("state must be 1 to 64 characters, got %q", truncate(string(s.State)))
	}
	if len(s.Reason) > 1024 {
		return fmt.Errorf("reason must be at most 1024 characters, got %d", len(s.Reason))
	}
	return nil
}

// Validate checks a command result: it names a command and ends done or failed.
func (r CommandResult) Validate() error {
	if r.CommandID == "" || len(r.CommandID) > 128 {
		return fmt.Errorf("command_id must be 1 to 128 characters, got %q", truncate(r.CommandID))
	}
	if r.Status != CommandDone && r.Status != CommandFailed {
		return fmt.Errorf("status must be done or failed, got %q", truncate(string(r.Status)))
	}
	return nil
}

// Validate checks a session event: it names its session and a phase.
func (s SessionEvent) Validate() error {
	if s.SessionID == "" || len(s.SessionID) > 128 {
		return fmt.Errorf("session_id must be 1 to 128 characters, got %q", truncate(s.SessionID))
	}
	// A newer agent may add phases; the fleet acts on "end" only.
	if s.Phase == "" || len(s.Phase) > 32 {
		return fmt.Errorf("phase must be 1 to 32 characters, got %q", truncate(string(s.Phase)))
	}
	if s.MinutesUsed < 0 {
		return fmt.Errorf("minutes_used must not be negative, got %d", s.MinutesUsed)
	}
	return nil
}

// Validate checks a wipe receipt. Any receipt that decodes is kept: one
// that does not verify is a failed wipe, not bad data.
func (w WipeReceipt) Validate() error { return nil }

// truncate shortens a value quoted in an error, which may come from anywhere.
func truncate(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}
