package protocol

// Refusal codes the fleet puts in a RefusalBody. They are the kiosk's own
// refusal codes (agent/localapi), so the agent passes them on unchanged.
const (
	// RefusalWrongCardOrPIN is the one answer to an unknown card and to a
	// wrong PIN, so that card numbers cannot be found by trying them.
	RefusalWrongCardOrPIN = "wrong_card_or_pin"
	// RefusalWrongPIN and RefusalUnknownCard are sent by older fleets only.
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
	// RefusalRateLimited: too many card checks from this terminal or the
	// whole fleet just now; RetryAfterSeconds says when to try again.
	RefusalRateLimited = "rate_limited"
)

// Session kinds in a SessionGrant and a SessionEvent.
const (
	SessionCard   = "card"
	SessionGuest  = "guest"
	SessionWalkup = "walkup"
)
