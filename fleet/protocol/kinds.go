package protocol

// TerminalKind is what a terminal is: a visitor PC or an info screen.
type TerminalKind string

// The terminal kinds.
const (
	KindPC     TerminalKind = "pc"
	KindScreen TerminalKind = "screen"
)

// Valid reports whether k is a kind this build knows.
func (k TerminalKind) Valid() bool { return k == KindPC || k == KindScreen }

// TerminalState is a step of the visitor-session state machine the agent
// owns. A terminal moves idle → authenticating → active → warning → ending
// → wiping → idle; out_of_service can be entered from any state and is left
// only by an admin or a successful wipe.
type TerminalState string

// The terminal states, as a state event and the fleet's terminal view carry
// them.
const (
	StateIdle           TerminalState = "idle"
	StateAuthenticating TerminalState = "authenticating"
	StateActive         TerminalState = "active"
	StateWarning        TerminalState = "warning"
	StateEnding         TerminalState = "ending"
	StateWiping         TerminalState = "wiping"
	StateOutOfService   TerminalState = "out_of_service"
)

// InSession reports whether a visitor session runs or is being closed in s.
func (s TerminalState) InSession() bool {
	switch s {
	case StateAuthenticating, StateActive, StateWarning, StateEnding, StateWiping:
		return true
	}
	return false
}

// CommandStatus is where a command is on its way. The agent reports only
// CommandDone and CommandFailed; the others are the fleet's bookkeeping,
// shown in its API.
type CommandStatus string

// The command statuses.
const (
	CommandQueued    CommandStatus = "queued"    // waiting for the terminal
	CommandDelivered CommandStatus = "delivered" // the agent acked it
	CommandDone      CommandStatus = "done"      // the agent ran it
	CommandFailed    CommandStatus = "failed"    // the agent tried and failed
	CommandExpired   CommandStatus = "expired"   // its TTL passed before delivery; never sent
)

// SessionKind says how a visitor session was opened.
type SessionKind string

// Session kinds in a SessionGrant and a SessionEvent.
const (
	SessionCard  SessionKind = "card"  // library card and PIN
	SessionGuest SessionKind = "guest" // a staff-issued guest pass
	// SessionWalkup is an anonymous session the agent ran on its own while
	// the fleet was unreachable, as its offline policy allowed.
	SessionWalkup SessionKind = "walkup"
)

// SessionPhase says whether a session event starts or ends a session.
type SessionPhase string

// The session phases.
const (
	PhaseStart SessionPhase = "start"
	PhaseEnd   SessionPhase = "end"
)
