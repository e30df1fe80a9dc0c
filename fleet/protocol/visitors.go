package protocol

import (
	"encoding/json"
	"time"
)

// The agent's HTTP calls to the fleet for visitor sessions. They are
// request/response (a visitor waits for the answer), so they travel as
// HTTPS requests with the terminal token as bearer, beside the link.
const (
	PathAgentLogin  = "/api/v1/agent/login"                // POST LoginRequest -> SessionGrant
	PathAgentGuest  = "/api/v1/agent/guest"                // POST GuestRequest -> SessionGrant
	PathAgentExtend = "/api/v1/agent/sessions/{id}/extend" // POST -> Extension
)

// How long a visitor call may take. The agent waits AgentVisitorTimeout
// for the fleet's answer; the fleet answers within VisitorAnswerDeadline,
// well before, so that a slow library system reaches the visitor as the
// fleet's service_unavailable and never as silence the agent must read.
const (
	AgentVisitorTimeout   = 15 * time.Second
	VisitorAnswerDeadline = 10 * time.Second
)

// LoginRequest asks the fleet to authenticate a library card. The PIN is
// passed on to the library system and never stored.
type LoginRequest struct {
	Card string `json:"card"`
	PIN  string `json:"pin"`
}

// GuestRequest redeems a guest pass.
type GuestRequest struct {
	Code string `json:"code"`
}

// SessionGrant is the fleet's yes: how long this session may run.
type SessionGrant struct {
	SessionID string      `json:"session_id"`
	Kind      SessionKind `json:"kind"` // SessionCard or SessionGuest
	// Minutes already accounts for the daily quota, the branch's closing
	// time and the next reservation of this terminal.
	Minutes          int       `json:"minutes"`
	EndsAtClosing    bool      `json:"ends_at_closing,omitempty"`
	DailyMinutesLeft int       `json:"daily_minutes_left"`
	CardHint         string    `json:"card_hint,omitempty"` // last 4 digits
	GrantedAt        time.Time `json:"granted_at"`
}

// Extension is the fleet's answer to an extend request.
type Extension struct {
	Minutes int `json:"minutes"` // added to the session
}

// RefusalBody is the fleet's no, as the body of a 4xx answer. Its code is
// one the kiosk translates.
type RefusalBody struct {
	Error   string         `json:"error"`
	Refusal RefusalDetails `json:"refusal"`
}

// RefusalDetails says why, and when to try again.
type RefusalDetails struct {
	Code              RefusalCode `json:"code"`
	RetryAfterSeconds int         `json:"retry_after_seconds,omitempty"`
}

// SessionEvent is the data of a session event: a session starting or
// ending on the terminal, including anonymous walk-up sessions the agent
// ran while the fleet was unreachable.
type SessionEvent struct {
	SessionID   string       `json:"session_id"`
	Kind        SessionKind  `json:"kind"`
	Phase       SessionPhase `json:"phase"`
	StartedAt   time.Time    `json:"started_at"`
	EndedAt     time.Time    `json:"ended_at,omitzero"`
	MinutesUsed int          `json:"minutes_used,omitempty"`
	Trigger     WipeTrigger  `json:"trigger,omitempty"` // why it ended
}

// Notice kinds carried in a notice frame.
const (
	NoticeReservation = "reservation"
)

// Notice is the body of a notice frame.
type Notice struct {
	Kind string          `json:"kind"`
	Data json.RawMessage `json:"data,omitempty"`
}

// ReservationNotice tells a terminal its current or next reservation;
// a nil Reservation clears it.
type ReservationNotice struct {
	Reservation *Reservation `json:"reservation"`
}

// Reservation is one held slot of a terminal.
type Reservation struct {
	ID       string    `json:"id"`
	From     time.Time `json:"from"`
	Until    time.Time `json:"until"`
	CardHint string    `json:"card_hint,omitempty"`
}

// The body of a policy frame is the terminal's effective policy as JSON
// (policies/policy.Policy); the agent keeps the latest to run offline.
