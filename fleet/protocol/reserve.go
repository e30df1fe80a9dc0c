package protocol

// PathAgentReserve is where a visitor at a terminal's welcome screen
// reserves that terminal for the next free slot: POST ReserveRequest ->
// ReserveAnswer, or a RefusalBody.
const PathAgentReserve = "/api/v1/agent/reservations"

// ReserveRequest is a visitor's reservation of the terminal they stand at.
// The card and PIN are checked with the library system like a login; the
// PIN is never stored.
type ReserveRequest struct {
	Card string `json:"card"`
	PIN  string `json:"pin"`
	// Minutes is the wished length; 0 asks for the policy's max_minutes.
	// The fleet shortens it to the quota, the closing time and the next
	// reservation.
	Minutes int `json:"minutes,omitempty"`
}

// ReserveAnswer is the slot the fleet held for the visitor.
type ReserveAnswer struct {
	Reservation Reservation `json:"reservation"`
}
