package protocol

// PathEnroll is where an agent joins the fleet with a branch's enrollment
// code: POST EnrollRequest -> 201 EnrollResponse, or a 4xx with
// {"error", "field"}.
const PathEnroll = "/api/v1/enroll"

// EnrollRequest is what an agent sends to join the fleet.
type EnrollRequest struct {
	Code string `json:"code"`
	// Name is the terminal's name in the fleet; empty takes the hostname.
	Name string `json:"name"`
	// Kind is empty for KindPC.
	Kind         TerminalKind `json:"kind"`
	Hostname     string       `json:"hostname"`
	OS           string       `json:"os"`
	AgentVersion string       `json:"agent_version"`
	// MAC is the address Wake-on-LAN wakes the terminal at; empty when unknown.
	MAC string `json:"mac,omitempty"`
}

// EnrollResponse carries the terminal's identity and its token, which the
// fleet shows this once and keeps only as a hash.
type EnrollResponse struct {
	TerminalID string `json:"terminal_id"`
	Name       string `json:"name"`
	Branch     string `json:"branch"`
	Token      string `json:"token"`
}
