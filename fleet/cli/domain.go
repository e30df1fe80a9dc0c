package cli

import (
	"piste/fleet/audit"
	"piste/fleet/fault"
	"piste/fleet/guestpasses"
	"piste/fleet/policies"
	"piste/fleet/staff"
	"piste/fleet/store"
	"piste/fleet/terminals"
)

// services are the domain services over a data directory's store; the
// commands act through them as staff.CLI, so the console obeys the same
// rules and leaves the same audit trail as the API.
type services struct {
	staff       *staff.Service
	terminals   *terminals.Service
	policies    *policies.Service
	guestPasses *guestpasses.Service
}

func newServices(st *store.Store) services {
	log := audit.New(st)
	return services{staff: staff.New(st, log), terminals: terminals.New(st, nil, log),
		policies: policies.New(st, log), guestPasses: guestpasses.New(st, log)}
}

// inputErr makes bad input a usage error (exit 2); other errors pass.
func inputErr(err error) error {
	if _, ok := fault.AsField(err); ok {
		return usageErr("%v", err)
	}
	return err
}
