package protocol

import "fmt"

// EventPolicyResult reports what a terminal did with the policy the fleet
// sent: applied, or refused because it is invalid or asks for more than
// the terminal's local config allows (the terminal then keeps its last
// good policy).
const EventPolicyResult = "policy_result"

// The statuses of a PolicyResult.
const (
	PolicyApplied = "applied"
	PolicyRefused = "refused"
)

// PolicyResult is the data of a policy_result event.
type PolicyResult struct {
	Status string `json:"status"`
	// Key is the policy key a refusal is about, e.g. "session.kiosk_user".
	Key string `json:"key,omitempty"`
	// Error says why, naming the key and the terminal's config file.
	Error string `json:"error,omitempty"`
}

// MaxPolicyError bounds a refusal's reason in bytes: a few keys and paths.
const MaxPolicyError = 4096

// Validate checks a policy result: a known status, and a refusal says why.
func (r PolicyResult) Validate() error {
	switch {
	case r.Status != PolicyApplied && r.Status != PolicyRefused:
		return fmt.Errorf("status must be %s or %s, got %q", PolicyApplied, PolicyRefused, r.Status)
	case len(r.Error) > MaxPolicyError || len(r.Key) > 256:
		return fmt.Errorf("error and key must be at most %d and 256 bytes", MaxPolicyError)
	}
	return nil
}
