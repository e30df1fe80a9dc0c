package cli

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"text/tabwriter"

	"piste/fleet/staff"
	"piste/fleet/store"
	"piste/policies/policy"
)

// policyVersions lists a scope's layer versions: through the running
// server when there is one, else from the data directory.
func policyVersions(args []string, stdio IO) error {
	fs := newFlags("policy versions", stdio)
	dir := fs.String("data", "", "data directory")
	scopeFlag := fs.String("scope", "", "fleet, branch:ID or terminal:ID")
	if err := parse(fs, args); err != nil {
		return err
	}
	scope, err := cliScope(*scopeFlag)
	if err != nil {
		return err
	}
	var vs []store.PolicyVersion
	err = callServerJSON(*dir, "GET", "/api/v1/policies/"+url.PathEscape(scope)+"/versions", nil, &vs)
	if errors.Is(err, errNoServer) {
		st, serr := openStore(*dir)
		if serr != nil {
			return serr
		}
		defer st.Close()
		vs, err = newServices(st).policies.Versions(context.Background(), staff.CLI, scope)
	}
	if err != nil {
		return inputErr(err)
	}
	w := tabwriter.NewWriter(stdio.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "VERSION\tWHEN (UTC)\tWHO\tCHANGES")
	for _, v := range vs {
		changes := v.Diff
		if v.RollbackOf > 0 {
			changes = fmt.Sprintf("(roll-back to %d) %s", v.RollbackOf, changes)
		}
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\n", v.Version, v.CreatedAt.UTC().Format("2006-01-02 15:04"), v.CreatedBy, changes)
	}
	return w.Flush()
}

// policyRollback applies an earlier version of a scope's layer again.
func policyRollback(args []string, stdio IO) error {
	fs := newFlags("policy rollback", stdio)
	dir := fs.String("data", "", "data directory")
	scopeFlag := fs.String("scope", "", "fleet, branch:ID or terminal:ID")
	version := fs.Int("version", 0, "the version to apply again (piste-fleet policy versions)")
	if err := parse(fs, args); err != nil {
		return err
	}
	scope, err := cliScope(*scopeFlag)
	if err != nil {
		return err
	}
	if *version < 1 {
		return usageErr("--version must name a version (1 or more); piste-fleet policy versions lists them")
	}
	var v store.PolicyVersion
	err = callServerJSON(*dir, "POST", "/api/v1/policies/"+url.PathEscape(scope)+"/rollback", map[string]int{"version": *version}, &v)
	if errors.Is(err, errNoServer) {
		st, serr := openStore(*dir)
		if serr != nil {
			return serr
		}
		defer st.Close()
		v, err = newServices(st).policies.Rollback(context.Background(), staff.CLI, scope, *version)
	}
	if err != nil {
		return inputErr(err)
	}
	fmt.Fprintf(stdio.Out, "%s: version %d is in force again, as version %s\n", scope, *version, strconv.Itoa(v.Version))
	return nil
}

func cliScope(text string) (string, error) {
	if err := required("scope", text); err != nil {
		return "", err
	}
	sc, err := policy.ParseScope(text)
	if err != nil {
		return "", usageErr("--scope: %v", err)
	}
	return sc.String(), nil
}
