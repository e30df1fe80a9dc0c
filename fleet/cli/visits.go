package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"piste/fleet/guestpasses"
	"piste/fleet/staff"
	"piste/fleet/visits"
	"piste/policies/policy"
)

func policyApply(args []string, stdio IO) error {
	fs := newFlags("policy apply", stdio)
	dir := fs.String("data", "", "data directory")
	scopeFlag := fs.String("scope", "", "fleet, branch:ID or terminal:ID")
	if err := fs.Parse(args); err != nil {
		return parseErr(err)
	}
	if fs.NArg() != 1 {
		return usageErr("give one policy FILE after the flags (piste-fleet policy apply --data DIR --scope SCOPE FILE)")
	}
	if err := required("scope", *scopeFlag); err != nil {
		return err
	}
	scope, err := policy.ParseScope(*scopeFlag)
	if err != nil {
		return usageErr("--scope: %v", err)
	}
	text, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		return fmt.Errorf("read policy: %w", err)
	}
	st, err := openStore(*dir)
	if err != nil {
		return err
	}
	defer st.Close()
	if _, err := newServices(st).policies.Put(context.Background(), staff.CLI, scope.String(), text); err != nil {
		return fmt.Errorf("%s: %w", fs.Arg(0), err)
	}
	fmt.Fprintf(stdio.Out, "policy for %s applied; a running server sends it to its terminals within seconds\n", scope)
	return nil
}

func policyShow(args []string, stdio IO) error {
	fs := newFlags("policy show", stdio)
	dir := fs.String("data", "", "data directory")
	id := fs.String("terminal", "", "terminal id")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := required("terminal", *id); err != nil {
		return err
	}
	st, err := openStore(*dir)
	if err != nil {
		return err
	}
	defer st.Close()
	ctx := context.Background()
	t, err := st.Terminal(ctx, *id)
	if err != nil {
		return fmt.Errorf("--terminal: %w", err)
	}
	out, err := visits.EffectiveJSON(ctx, st, t)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdio.Out, string(out))
	return nil
}

func guestPasses(args []string, stdio IO) error {
	fs := newFlags("guest-passes", stdio)
	dir := fs.String("data", "", "data directory")
	branch := fs.String("branch", "", "branch where the passes work")
	count := fs.Int("count", 10, "how many passes")
	minutes := fs.Int("minutes", 60, "minutes each pass gives")
	validUntil := fs.String("valid-until", "", "RFC 3339 time the passes expire (default: 30 days from now)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := required("branch", *branch); err != nil {
		return err
	}
	var until time.Time // zero: the default validity
	if *validUntil != "" {
		t, err := time.Parse(time.RFC3339, *validUntil)
		if err != nil {
			return usageErr("--valid-until must be an RFC 3339 time like 2026-12-31T20:00:00+02:00, got %q", *validUntil)
		}
		until = t
	}
	st, err := openStore(*dir)
	if err != nil {
		return err
	}
	defer st.Close()
	batch, err := newServices(st).guestPasses.Issue(context.Background(), staff.CLI,
		guestpasses.Request{Branch: *branch, Count: *count, Minutes: *minutes, ValidUntil: until})
	if err != nil {
		return inputErr(err)
	}
	for _, c := range batch.Codes {
		fmt.Fprintln(stdio.Out, c)
	}
	return nil
}

func parseErr(err error) error {
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return err
	}
	return fmt.Errorf("%w: %v", errUsage, err)
}
