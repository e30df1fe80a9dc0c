package protocol

// Refusal codes the fleet puts in a RefusalBody. They are the kiosk's own
// refusal codes (agent/localapi), so the agent passes them on unchanged.
const (
	RefusalWrongPIN       = "wrong_pin"
	RefusalUnknownCard    = "unknown_card"
	RefusalBlocked        = "blocked"
	RefusalFees           = "fees"
	RefusalQuotaExhausted = "quota_exhausted"
	RefusalLockedOut      = "locked_out"
	RefusalReserved       = "reserved"
	RefusalClosed         = "closed"
	RefusalInvalidGuest   = "invalid_guest_code"
	RefusalUnavailable    = "service_unavailable"
)

// Session kinds in a SessionGrant and a SessionEvent.
const (
	SessionCard   = "card"
	SessionGuest  = "guest"
	SessionWalkup = "walkup"
)
