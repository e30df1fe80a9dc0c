// Package protocol is the wire protocol between a terminal's agent and the
// fleet server. Both sides import it, so they cannot disagree about a
// message. docs/protocol.md describes it for people.
//
// Every frame on the WebSocket is one JSON Envelope. Events that an agent
// produces carry an outbox epoch and a sequence number; the fleet stores
// them and answers with an ack, and drops any it has stored before, so an
// event is kept exactly once however often it is resent.
package protocol

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Version is the protocol version this build speaks.
const Version = 1

// MaxFrameBytes is the largest frame either side accepts.
const MaxFrameBytes = 64 << 10

// Path is where the fleet serves the agent link.
const Path = "/api/v1/agent/link"

// Message types.
const (
	// TypeHello is the agent's first frame on a connection.
	TypeHello = "hello"
	// TypeWelcome is the fleet's answer to hello.
	TypeWelcome = "welcome"
	// TypeEvent carries one outbox event from agent to fleet.
	TypeEvent = "event"
	// TypeAck acknowledges an event (fleet→agent) or a command (agent→fleet).
	TypeAck = "ack"
	// TypeCommand carries one command from fleet to agent.
	TypeCommand = "command"
	// TypePolicy pushes the terminal's effective policy to the agent.
	TypePolicy = "policy"
	// TypeNotice carries a fleet→agent notification that needs no ack,
	// such as a help request being claimed.
	TypeNotice = "notice"
)

// Event kinds carried in an Event.
const (
	EventHealth        = "health"
	EventState         = "state"
	EventCommandResult = "command_result"
	EventSession       = "session"
	EventWipe          = "wipe"
	EventTest          = "test" // synthetic events from simulated terminals
)

// Command types an admin can send.
const (
	CommandMessage      = "message"
	CommandLock         = "lock"
	CommandUnlock       = "unlock"
	CommandRestartAgent = "restart_agent"
	CommandReboot       = "reboot"
	CommandShutdown     = "shutdown"
	CommandWipe         = "wipe"
	CommandEndSession   = "end_session"
	// CommandScreenshot asks an info screen for a picture of what it shows
	// (see signage.go).
	CommandScreenshot = "screenshot"
)

// CommandTypes lists every command type the fleet accepts.
var CommandTypes = []string{
	CommandMessage, CommandLock, CommandUnlock, CommandRestartAgent,
	CommandReboot, CommandShutdown, CommandWipe, CommandEndSession, CommandScreenshot,
}

// WebSocket close codes (4000–4999 are for applications).
const (
	CloseProtocolError = 4000 // malformed envelope
	CloseUnauthorized  = 4001 // unknown or revoked terminal token
	CloseVersion       = 4002 // unsupported protocol version
	// CloseUnknownType is retired: since unknown frame types are ignored
	// (docs/protocol.md, "Versions"), neither side sends it. The number
	// stays reserved so that it never means anything else.
	CloseUnknownType    = 4003
	CloseReplaced       = 4004 // the same terminal connected again
	CloseServerShutdown = 4005 // fleet is stopping; reconnect later
)

// Envelope is one frame.
type Envelope struct {
	V    int             `json:"v"`
	ID   string          `json:"id"`
	Type string          `json:"type"`
	Body json.RawMessage `json:"body,omitempty"`
}

// Hello is the body of the agent's first frame.
type Hello struct {
	AgentVersion string        `json:"agent_version"`
	Kind         TerminalKind  `json:"kind"`
	Hostname     string        `json:"hostname,omitempty"`
	OS           string        `json:"os,omitempty"`
	State        TerminalState `json:"state,omitempty"`
	// MAC is the address of the interface the agent reaches the fleet
	// through, for Wake-on-LAN; empty when unknown.
	MAC string `json:"mac,omitempty"`
	// Epoch identifies the agent's outbox; Seq values are unique within it.
	Epoch string `json:"epoch"`
}

// Welcome is the fleet's answer to Hello.
type Welcome struct {
	TerminalID       string    `json:"terminal_id"`
	Name             string    `json:"name"`
	Branch           string    `json:"branch"`
	HeartbeatSeconds int       `json:"heartbeat_seconds"`
	ServerTime       time.Time `json:"server_time"`
	// AckedSeq is the highest sequence of Hello.Epoch the fleet has stored;
	// the agent may drop everything up to it from its outbox.
	AckedSeq uint64 `json:"acked_seq"`
}

// Event is the body of an event frame.
type Event struct {
	Epoch string          `json:"epoch"`
	Seq   uint64          `json:"seq"`
	Kind  string          `json:"kind"`
	At    time.Time       `json:"at"`
	Data  json.RawMessage `json:"data,omitempty"`
}

// Ack is the body of an ack frame. For events it names the epoch and the
// highest sequence stored; for commands it names the command id.
type Ack struct {
	Epoch     string `json:"epoch,omitempty"`
	Seq       uint64 `json:"seq,omitempty"`
	CommandID string `json:"command_id,omitempty"`
}

// Command is the body of a command frame.
type Command struct {
	ID   string `json:"id"`
	Type string `json:"type"`
	Text string `json:"text,omitempty"`
	// Texts is a message's text per language (fi, sv, en); the kiosk shows
	// the visitor's, else Text. See MessageText.
	Texts     map[string]string `json:"texts,omitempty"`
	CreatedAt time.Time         `json:"created_at"`
	ExpiresAt time.Time         `json:"expires_at"`
}

// CommandResult is the data of a command_result event.
type CommandResult struct {
	CommandID string        `json:"command_id"`
	Status    CommandStatus `json:"status"` // CommandDone or CommandFailed
	Error     string        `json:"error,omitempty"`
}

// Health is the data of a health event.
type Health struct {
	CPUPercent      float64 `json:"cpu_percent"`
	MemUsedPercent  float64 `json:"mem_used_percent"`
	DiskUsedPercent float64 `json:"disk_used_percent"`
	UptimeSeconds   uint64  `json:"uptime_seconds"`
	AgentRSSBytes   uint64  `json:"agent_rss_bytes"`
}

// StateChange is the data of a state event.
type StateChange struct {
	State  TerminalState `json:"state"`
	Reason string        `json:"reason,omitempty"`
}

// ErrMalformed is wrapped by every decoding error.
var ErrMalformed = errors.New("malformed envelope")

// knownTypes are the frame types this build knows.
var knownTypes = map[string]bool{
	TypeHello: true, TypeWelcome: true, TypeEvent: true, TypeAck: true,
	TypeCommand: true, TypePolicy: true, TypeNotice: true,
}

// KnownType reports whether this build knows frames of type typ. A peer
// ignores a well-formed frame of a type it does not know: a newer peer may
// add frame types within the same protocol version.
func KnownType(typ string) bool { return knownTypes[typ] }

// VersionError reports a frame of another protocol version.
type VersionError struct{ Got int }

func (e *VersionError) Error() string {
	return fmt.Sprintf("unsupported protocol version %d (this side speaks %d)", e.Got, Version)
}

// Decode parses and checks one frame's envelope: its size, version, type
// and id. It accepts a type this build does not know, so that the caller can
// ignore it (see KnownType); a newer peer may send one.
func Decode(frame []byte) (Envelope, error) {
	var env Envelope
	if len(frame) > MaxFrameBytes {
		return env, fmt.Errorf("%w: frame of %d bytes exceeds %d", ErrMalformed, len(frame), MaxFrameBytes)
	}
	if err := json.Unmarshal(frame, &env); err != nil {
		return env, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if env.V != Version {
		return env, &VersionError{Got: env.V}
	}
	if env.Type == "" {
		return env, fmt.Errorf("%w: missing type", ErrMalformed)
	}
	if len(env.Type) > 64 {
		return env, fmt.Errorf("%w: type must be at most 64 characters", ErrMalformed)
	}
	if env.ID == "" || len(env.ID) > 128 {
		return env, fmt.Errorf("%w: id must be 1 to 128 characters", ErrMalformed)
	}
	return env, nil
}

// DecodeBody parses an envelope's body into v. Unknown fields are ignored so
// that a newer peer may add fields within the same protocol version.
func DecodeBody(env Envelope, v any) error {
	if len(env.Body) == 0 {
		return fmt.Errorf("%w: %s frame has no body", ErrMalformed, env.Type)
	}
	if err := json.Unmarshal(env.Body, v); err != nil {
		return fmt.Errorf("%w: %s body: %v", ErrMalformed, env.Type, err)
	}
	return nil
}

// Encode builds a frame.
func Encode(id, typ string, body any) ([]byte, error) {
	raw, err := json.Marshal(body)
	if err != nil {
		return nil, fmt.Errorf("protocol: encode %s body: %w", typ, err)
	}
	return json.Marshal(Envelope{V: Version, ID: id, Type: typ, Body: raw})
}

// EventID is the envelope id of an event: unique per terminal outbox.
func EventID(epoch string, seq uint64) string {
	return fmt.Sprintf("%s-%d", epoch, seq)
}

// Validate checks the fields every event must have.
func (e Event) Validate() error {
	switch {
	case e.Epoch == "" || len(e.Epoch) > 64:
		return fmt.Errorf("%w: event epoch must be 1 to 64 characters", ErrMalformed)
	case e.Seq == 0:
		return fmt.Errorf("%w: event seq must be positive", ErrMalformed)
	case e.Kind == "" || len(e.Kind) > 32:
		return fmt.Errorf("%w: event kind must be 1 to 32 characters", ErrMalformed)
	case e.At.IsZero():
		return fmt.Errorf("%w: event at is missing", ErrMalformed)
	}
	return nil
}
