package store

import (
	"context"
	"database/sql"
	"time"

	"piste/fleet/protocol"
)

// AlertPolicyRefused is the alert kind of a terminal that refused the
// policy the fleet sent it and runs under its last good one.
const AlertPolicyRefused = "policy_refused"

// applyPolicyResult opens an alert for a refused policy (one at a time per
// terminal, holding the latest reason) and closes it once a policy applies.
func applyPolicyResult(ctx context.Context, tx *sql.Tx, terminalID string, ev protocol.Event) error {
	var r protocol.PolicyResult
	if err := protocol.DecodeData(ev, &r); err != nil {
		return err // kept aside with its own alert
	}
	at := ev.At
	if at.IsZero() {
		at = time.Now()
	}
	if r.Status == protocol.PolicyApplied {
		return closeAlerts(ctx, tx, terminalID, AlertPolicyRefused, at)
	}
	detail := r.Error
	if detail == "" {
		detail = "policy refused by the terminal (no reason given)"
	}
	return openAlert(ctx, tx, terminalID, AlertPolicyRefused, at, detail)
}
