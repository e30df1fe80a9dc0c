package protocol

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// The agent's HTTP calls to the fleet for help requests. Like the visitor
// calls they are request/response with the terminal token as bearer; what
// happens later (a volunteer claims, writes, resolves) comes as a help
// notice on the link.
const (
	PathAgentHelp         = "/api/v1/agent/help"               // POST HelpAsk -> HelpView
	PathAgentHelpCancel   = "/api/v1/agent/help/{id}/cancel"   // POST -> HelpView
	PathAgentHelpMessages = "/api/v1/agent/help/{id}/messages" // POST HelpSay -> HelpView
	PathAgentHelpSupport  = "/api/v1/agent/help/support"       // GET -> HelpSupport
)

// NoticeHelp is the notice kind of a HelpNotice.
const NoticeHelp = "help"

// Limits of what a visitor or volunteer may write.
const (
	MaxHelpNote    = 280 // characters of a request's note
	MaxHelpMessage = 500 // characters of one chat message
)

// HelpStatus is where a help request is: open → claimed → resolved,
// cancelled or expired. A claimed request released by its volunteer is
// open again.
type HelpStatus string

// The help request statuses.
const (
	HelpOpen      HelpStatus = "open"
	HelpClaimed   HelpStatus = "claimed"
	HelpResolved  HelpStatus = "resolved"
	HelpCancelled HelpStatus = "cancelled"
	HelpExpired   HelpStatus = "expired"
)

// Live reports whether a request in s still waits for or gets help.
func (s HelpStatus) Live() bool { return s == HelpOpen || s == HelpClaimed }

// Valid reports whether s is a status this build knows.
func (s HelpStatus) Valid() bool {
	switch s {
	case HelpOpen, HelpClaimed, HelpResolved, HelpCancelled, HelpExpired:
		return true
	}
	return false
}

// HelpOutcome is how a volunteer closed a request.
type HelpOutcome string

// The outcomes of a resolved request.
const (
	OutcomeSolved    HelpOutcome = "solved"
	OutcomePartly    HelpOutcome = "partly"
	OutcomeReferred  HelpOutcome = "referred" // sent elsewhere (another service, a specialist)
	OutcomeNotSolved HelpOutcome = "not_solved"
)

// HelpOutcomes lists every outcome.
var HelpOutcomes = []HelpOutcome{OutcomeSolved, OutcomePartly, OutcomeReferred, OutcomeNotSolved}

// Valid reports whether o is a known outcome.
func (o HelpOutcome) Valid() bool {
	for _, k := range HelpOutcomes {
		if o == k {
			return true
		}
	}
	return false
}

// Help sources: where a request started.
const (
	HelpFromSession = "session" // a visitor in a session
	HelpFromWelcome = "welcome" // the welcome screen, before any login
	HelpFromWalkIn  = "walkin"  // logged by desk staff; no terminal
)

// HelpAsk is a visitor's request for help. SessionID ties it to the
// running session (it ends with it); empty ties it to the terminal's
// welcome screen, where it ends when a session starts or times out.
type HelpAsk struct {
	Topic     string `json:"topic"`
	Language  string `json:"language"`
	Note      string `json:"note,omitempty"`
	SessionID string `json:"session_id,omitempty"`
}

// HelpSay is one chat message.
type HelpSay struct {
	Text string `json:"text"`
}

// HelpMessage is one chat message as both sides see it. From is "visitor"
// or "volunteer"; the volunteer's name is in HelpView.Volunteer.
type HelpMessage struct {
	From string    `json:"from"`
	Text string    `json:"text"`
	At   time.Time `json:"at"`
}

// Senders of chat messages.
const (
	FromVisitor   = "visitor"
	FromVolunteer = "volunteer"
)

// HelpView is a request as the visitor's terminal sees it.
type HelpView struct {
	ID       string     `json:"id"`
	Status   HelpStatus `json:"status"`
	Source   string     `json:"source"` // HelpFromSession or HelpFromWelcome
	Topic    string     `json:"topic"`
	Language string     `json:"language"`
	Note     string     `json:"note,omitempty"`
	// Position is the place in the branch's queue while open: 1 is next.
	Position int `json:"position,omitempty"`
	// EstimateSeconds is the expected wait from now while open, from the
	// branch's recent waits; 0 when there is nothing to go by.
	EstimateSeconds int           `json:"estimate_seconds,omitempty"`
	Volunteer       string        `json:"volunteer,omitempty"` // the display name of whoever claimed it
	Messages        []HelpMessage `json:"messages,omitempty"`
	CreatedAt       time.Time     `json:"created_at"`
}

// HelpSupport says whether help can be asked at a terminal's branch now:
// how many volunteers are on duty, the topics, and the next support hours.
type HelpSupport struct {
	OnDuty int      `json:"on_duty"`
	Topics []string `json:"topics"`
	// InHours is true while the branch's support schedule says support
	// is given; NextFrom..NextUntil is the current or next support span,
	// zero when the schedule has none within a year.
	InHours   bool      `json:"in_hours"`
	NextFrom  time.Time `json:"next_from,omitzero"`
	NextUntil time.Time `json:"next_until,omitzero"`
}

// HelpNotice tells a terminal its current help request (nil: none) and
// the branch's support. The fleet sends it on connect and on every change.
type HelpNotice struct {
	Request *HelpView   `json:"request"`
	Support HelpSupport `json:"support"`
}

// ValidTopicID reports whether s can be a topic id: 1 to 32 lower-case
// letters, digits, '-' or '_'.
func ValidTopicID(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// HelpLanguages are the languages help can be asked in.
var HelpLanguages = []string{"fi", "sv", "en"}

// CheckHelpText checks free text a person wrote (a note or a chat
// message): valid UTF-8, at most limit characters, no control characters
// but line breaks and tabs. It returns the text trimmed.
func CheckHelpText(field, text string, limit int) (string, error) {
	text = strings.TrimSpace(text)
	if !utf8.ValidString(text) {
		return "", fmt.Errorf("%s must be valid UTF-8 text", field)
	}
	if n := utf8.RuneCountInString(text); n > limit {
		return "", fmt.Errorf("%s must be at most %d characters, got %d", field, limit, n)
	}
	for _, r := range text {
		if unicode.IsControl(r) && r != '\n' && r != '\t' {
			return "", fmt.Errorf("%s must not hold control characters", field)
		}
	}
	return text, nil
}

// Check validates a HelpAsk's own fields (whether the topic is one of the
// branch's is the fleet's to say) and returns it with its note trimmed.
// err names the field.
func (a HelpAsk) Check() (HelpAsk, error) {
	if !ValidTopicID(a.Topic) {
		return a, fmt.Errorf("topic must be a topic id like email or printing, got %q", clip(a.Topic))
	}
	ok := false
	for _, l := range HelpLanguages {
		ok = ok || a.Language == l
	}
	if !ok {
		return a, fmt.Errorf("language must be fi, sv or en, got %q", clip(a.Language))
	}
	if len(a.SessionID) > 128 {
		return a, fmt.Errorf("session_id must be at most 128 characters")
	}
	note, err := CheckHelpText("note", a.Note, MaxHelpNote)
	if err != nil {
		return a, err
	}
	a.Note = note
	return a, nil
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}
