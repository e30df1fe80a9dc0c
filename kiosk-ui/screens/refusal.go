package screens

import (
	"piste/agent/localapi"
	"piste/fleet/protocol"
	"piste/kiosk-ui/i18n"
)

// refusalKeys maps each refusal code to its text; spelled out so that
// every key is visible to the catalogue test.
var refusalKeys = map[protocol.RefusalCode]string{
	localapi.RefusalWrongCardOrPIN: "refusal.wrong_card_or_pin",
	localapi.RefusalWrongPIN:       "refusal.wrong_pin",
	localapi.RefusalUnknownCard:    "refusal.unknown_card",
	localapi.RefusalBlocked:        "refusal.blocked",
	localapi.RefusalFees:           "refusal.fees",
	localapi.RefusalQuotaExhausted: "refusal.quota_exhausted",
	localapi.RefusalLockedOut:      "refusal.locked_out",
	localapi.RefusalReserved:       "refusal.reserved",
	localapi.RefusalClosed:         "refusal.closed",
	localapi.RefusalOffline:        "refusal.offline_denied",
	localapi.RefusalInvalidGuest:   "refusal.invalid_guest_code",
	localapi.RefusalUnavailable:    "refusal.service_unavailable",
	localapi.RefusalBusy:           "refusal.busy",
	localapi.RefusalRateLimited:    "refusal.rate_limited",
}

// refusalText is the visitor's text for a refusal, in lang.
func refusalText(lang string, r *localapi.Refusal) string {
	key, ok := refusalKeys[r.Code]
	if !ok {
		return i18n.T(lang, "refusal.other")
	}
	if r.Code == localapi.RefusalLockedOut {
		// The fleet slows repeated wrong PINs by seconds before it locks
		// the card for minutes; say which it is.
		if r.RetryAfterSeconds > 0 && r.RetryAfterSeconds < 60 {
			return i18n.T(lang, "refusal.locked_out_seconds", r.RetryAfterSeconds)
		}
		return i18n.T(lang, key, retryMinutes(r.RetryAfterSeconds))
	}
	if r.Code == localapi.RefusalRateLimited {
		return i18n.T(lang, key, max(1, r.RetryAfterSeconds))
	}
	return i18n.T(lang, key)
}

// retryMinutes rounds up, so "try again in 1 minute" is never too early.
func retryMinutes(seconds int) int {
	return max(1, (seconds+59)/60)
}
