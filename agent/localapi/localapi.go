// Package localapi is the agent's local control API: the contract between
// the agent (which owns all state) and its local clients, the kiosk UI and
// `piste-agent ctl`. It travels as JSON over HTTP on a local socket that only
// root and the kiosk user's session can reach.
package localapi

import (
	"context"
	"time"

	"piste/fleet/protocol"
)

// State is a step of the visitor-session state machine owned by the agent
// (see protocol.TerminalState); the fleet sees the same states.
type State = protocol.TerminalState

// The session states.
const (
	StateIdle           = protocol.StateIdle
	StateAuthenticating = protocol.StateAuthenticating
	StateActive         = protocol.StateActive
	StateWarning        = protocol.StateWarning
	StateEnding         = protocol.StateEnding
	StateWiping         = protocol.StateWiping
	StateOutOfService   = protocol.StateOutOfService
)

// Status is everything a local client shows. The agent sends a fresh one on
// every change; clients never derive state of their own.
type Status struct {
	State         State                 `json:"state"`
	Reason        string                `json:"reason,omitempty"` // why out_of_service: "locked", "wipe_failed", ...
	TerminalID    string                `json:"terminal_id,omitempty"`
	Name          string                `json:"name,omitempty"`
	Library       string                `json:"library,omitempty"` // the library's name for the welcome screen (policy library.name)
	Kind          protocol.TerminalKind `json:"kind,omitempty"`
	Version       string                `json:"version"`
	Language      string                `json:"language"` // fi | sv | en
	Accessibility Accessibility         `json:"accessibility"`
	Session       *Session              `json:"session,omitempty"`
	Reservation   *Reservation          `json:"reservation,omitempty"`
	Message       *Message              `json:"message,omitempty"`
	Refusal       *Refusal              `json:"refusal,omitempty"` // why the last login attempt was refused
	Help          *Help                 `json:"help,omitempty"`
	HelpSupport   *HelpSupport          `json:"help_support,omitempty"`
	Link          Link                  `json:"link"`
	Health        *Health               `json:"health,omitempty"`
	OutboxPending int                   `json:"outbox_pending"`
	// Signage is set on info screens (kind screen) only.
	Signage *Signage `json:"signage,omitempty"`
}

// Session is the running visitor session.
type Session struct {
	ID            string               `json:"id"`
	Kind          protocol.SessionKind `json:"kind"`
	StartedAt     time.Time            `json:"started_at"`
	EndsAt        time.Time            `json:"ends_at"`
	MinutesLeft   int                  `json:"minutes_left"`
	SecondsLeft   int                  `json:"seconds_left"`
	EndsAtClosing bool                 `json:"ends_at_closing,omitempty"` // the end is the branch's closing time
	Extensions    int                  `json:"extensions"`
	CanExtend     bool                 `json:"can_extend"`
	// Idle is set while the session is about to end for lack of activity:
	// the kiosk brings its bar to the front with an "I'm still here"
	// button (StillHere). The agent sets it at least IdleWarningSeconds
	// before the idle end.
	Idle *IdleWarning `json:"idle,omitempty"`
}

// IdleWarningSeconds is the least time an idle warning shows before the
// session ends and the visitor's files are wiped.
const IdleWarningSeconds = 60

// IdleWarning says when an idle session ends unless the visitor says
// they are still here.
type IdleWarning struct {
	EndsAt      time.Time `json:"ends_at"`
	SecondsLeft int       `json:"seconds_left"`
}

// Accessibility holds the visitor's display choices; they reset at session end.
type Accessibility struct {
	TextScale    int  `json:"text_scale"` // percent, 100..200
	HighContrast bool `json:"high_contrast"`
	// Speech makes the kiosk say its screens aloud (F1), at SpeechRate
	// words per minute (0: the default).
	Speech     bool `json:"speech,omitempty"`
	SpeechRate int  `json:"speech_rate,omitempty"`
	// Magnifier and ScreenReader turn on the visitor desktop's screen
	// magnifier and screen reader (Orca); text size and contrast apply to
	// the desktop too (see agent/desktop).
	Magnifier    bool `json:"magnifier,omitempty"`
	ScreenReader bool `json:"screen_reader,omitempty"`
}

// Reservation is an upcoming or current reservation of this PC.
type Reservation struct {
	From     time.Time `json:"from"`
	Until    time.Time `json:"until"`
	CardHint string    `json:"card_hint,omitempty"` // last digits of the card, so its holder recognises it
}

// Message is a text an admin sent to the terminal.
type Message struct {
	ID   string `json:"id"`
	Text string `json:"text"`
	// Texts is the message per language; the kiosk shows the visitor's
	// (protocol.MessageText).
	Texts map[string]string `json:"texts,omitempty"`
	At    time.Time         `json:"at"`
}

// Refusal codes (see protocol.RefusalCode): each has its own translated
// text on the kiosk.
const (
	RefusalWrongCardOrPIN = protocol.RefusalWrongCardOrPIN // one answer to both, so cards cannot be enumerated
	RefusalWrongPIN       = protocol.RefusalWrongPIN
	RefusalUnknownCard    = protocol.RefusalUnknownCard
	RefusalBlocked        = protocol.RefusalBlocked
	RefusalFees           = protocol.RefusalFees
	RefusalQuotaExhausted = protocol.RefusalQuotaExhausted
	RefusalLockedOut      = protocol.RefusalLockedOut
	RefusalReserved       = protocol.RefusalReserved
	RefusalClosed         = protocol.RefusalClosed
	RefusalOffline        = protocol.RefusalOffline
	RefusalInvalidGuest   = protocol.RefusalInvalidGuest
	RefusalUnavailable    = protocol.RefusalUnavailable
	RefusalBusy           = protocol.RefusalBusy
	RefusalRateLimited    = protocol.RefusalRateLimited // too many card checks just now; see RetryAfterSeconds
)

// Refusal says why a login was refused.
type Refusal struct {
	Code              protocol.RefusalCode `json:"code"`
	Message           string               `json:"message,omitempty"` // detail for logs and staff; the kiosk translates Code
	RetryAfterSeconds int                  `json:"retry_after_seconds,omitempty"`
}

func (r *Refusal) Error() string {
	if r.Message != "" {
		return string(r.Code) + ": " + r.Message
	}
	return string(r.Code)
}

// Help is the visitor's help request: live (open, claimed), or closed a
// moment ago (resolved, cancelled, expired) so the kiosk can say so.
type Help = protocol.HelpView

// HelpSupport says whether help can be asked here now: volunteers on
// duty, the topics, and the next support hours.
type HelpSupport = protocol.HelpSupport

// Link describes the agent's connection to the fleet.
type Link struct {
	Server        string    `json:"server,omitempty"`
	Connected     bool      `json:"connected"`
	Revoked       bool      `json:"revoked,omitempty"`
	LastConnected time.Time `json:"last_connected,omitempty"`
	LastError     string    `json:"last_error,omitempty"`
	Attempts      int       `json:"attempts"`
}

// Health is the last health sample.
type Health struct {
	At              time.Time `json:"at"`
	CPUPercent      float64   `json:"cpu_percent"`
	MemUsedPercent  float64   `json:"mem_used_percent"`
	DiskUsedPercent float64   `json:"disk_used_percent"`
	UptimeSeconds   uint64    `json:"uptime_seconds"`
	AgentRSSBytes   uint64    `json:"agent_rss_bytes"`
}

// LoginRequest starts a library-card session. The PIN travels only over the
// local socket and is never written to disk.
type LoginRequest struct {
	Card string `json:"card"`
	PIN  string `json:"pin"`
}

// GuestRequest starts a session with a guest pass.
type GuestRequest struct {
	Code string `json:"code"`
}

// LanguageRequest switches the UI language for this visitor.
type LanguageRequest struct {
	Language string `json:"language"`
}

// HelpRequest asks a volunteer for help: a topic of Status.HelpSupport's,
// the language the visitor wants help in (fi, sv, en; empty: the screen's)
// and an optional short note.
type HelpRequest struct {
	Topic    string `json:"topic,omitempty"`
	Language string `json:"language,omitempty"`
	Note     string `json:"note,omitempty"`
}

// HelpMessageRequest is the visitor's chat message to their volunteer.
type HelpMessageRequest struct {
	Text string `json:"text"`
}

// Controller is what the agent implements and the local API serves.
// Methods that can be refused return a *Refusal (use errors.As).
type Controller interface {
	Status() Status
	// Watch sends the current status and then every change until ctx ends.
	Watch(ctx context.Context) <-chan Status
	Login(ctx context.Context, req LoginRequest) error
	Guest(ctx context.Context, req GuestRequest) error
	// Reserve holds this PC for a card's next free slot; on success the
	// slot shows in Status.Reservation.
	Reserve(ctx context.Context, req ReserveRequest) error
	Extend(ctx context.Context) error
	// StillHere is the visitor's answer to an idle warning: it restarts
	// the idle clock. Any other intent does too.
	StillHere(ctx context.Context) error
	End(ctx context.Context) error
	SetLanguage(ctx context.Context, req LanguageRequest) error
	SetAccessibility(ctx context.Context, req Accessibility) error
	RequestHelp(ctx context.Context, req HelpRequest) error
	// CancelHelp withdraws the visitor's help request.
	CancelHelp(ctx context.Context) error
	// SayHelp sends the visitor's chat message to the volunteer.
	SayHelp(ctx context.Context, req HelpMessageRequest) error
}
