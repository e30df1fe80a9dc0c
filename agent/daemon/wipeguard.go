package daemon

import (
	"context"
	"time"

	"piste/agent/config"
	"piste/agent/session"
	"piste/agent/wipe"
)

// guardedWiper checks every wipe against the local config at the moment
// it runs: the account may have become a staff account, or the skeleton
// writable, since the policy was accepted. A refused wipe touches nothing
// and is unverified, so the terminal goes out of service and says why.
type guardedWiper struct {
	local config.Config
	next  session.Wiper
}

func (g guardedWiper) Wipe(ctx context.Context, req wipe.Request) wipe.Receipt {
	err := g.local.AllowWipe(req.User, req.Skeleton, req.ExtraPaths)
	if err == nil {
		return g.next.Wipe(ctx, req)
	}
	now := time.Now()
	return wipe.Receipt{SessionID: req.SessionID, Trigger: req.Trigger, User: req.User, StartedAt: now, EndedAt: now,
		Failures: []wipe.Failure{{Step: wipe.StepRequest, Error: err.Error()}}, StepsRun: []string{}}
}
