package protocol

// RefusalCode says why a visitor was turned away. The kiosk has a
// translated text for each, so a new code needs a new text there first.
type RefusalCode string

// Refusal codes the fleet puts in a RefusalBody. The agent passes them on
// to the kiosk unchanged, and adds RefusalOffline and RefusalBusy of its own.
const (
	// RefusalWrongCardOrPIN is the one answer to an unknown card and to a
	// wrong PIN, so that card numbers cannot be found by trying them.
	RefusalWrongCardOrPIN RefusalCode = "wrong_card_or_pin"
	// RefusalWrongPIN and RefusalUnknownCard are sent by older fleets only.
	RefusalWrongPIN       RefusalCode = "wrong_pin"
	RefusalUnknownCard    RefusalCode = "unknown_card"
	RefusalBlocked        RefusalCode = "blocked"
	RefusalFees           RefusalCode = "fees"
	RefusalQuotaExhausted RefusalCode = "quota_exhausted"
	RefusalLockedOut      RefusalCode = "locked_out" // too many wrong PINs; see RetryAfterSeconds
	RefusalReserved       RefusalCode = "reserved"
	RefusalClosed         RefusalCode = "closed"
	RefusalInvalidGuest   RefusalCode = "invalid_guest_code"
	RefusalUnavailable    RefusalCode = "service_unavailable"
	// RefusalRateLimited: too many card checks from this terminal or the
	// whole fleet just now; RetryAfterSeconds says when to try again.
	RefusalRateLimited RefusalCode = "rate_limited"
	// RefusalOffline: the fleet is unreachable and the offline policy
	// allows no walk-up session.
	RefusalOffline RefusalCode = "offline_denied"
	// RefusalBusy: the terminal is not idle (a session runs, or a wipe).
	RefusalBusy RefusalCode = "busy"
)
