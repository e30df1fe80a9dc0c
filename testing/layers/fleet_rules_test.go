package layers

import (
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fleetDomain are the packages that hold the fleet's rules; the adapters
// (api, web, cli) reach them, never the other way.
var fleetDomain = []string{"staff", "terminals", "policies", "guestpasses", "audit", "visits"}

// fleetRule forbids a package any dependency, direct or not, on the
// listed packages.
type fleetRule struct {
	pkg    string
	forbid []string
	why    string
}

func fleetRules() []fleetRule {
	adapters := []string{"piste/fleet/api", "piste/fleet/web", "piste/fleet/cli", "piste/fleet/server",
		"piste/fleet/hub", "piste/fleet/httpio"}
	rules := []fleetRule{
		{"piste/fleet/web", []string{"piste/fleet/api"},
			"web and api are both adapters over the domain packages; what both need lives below them"},
		{"piste/fleet/fault", []string{"net/http", "piste/fleet/store"},
			"domain errors are plain values every layer may import"},
		{"piste/fleet/httpio", adapters[:5],
			"the HTTP edge sits below api and web, which both use it"},
	}
	for _, d := range fleetDomain {
		rules = append(rules, fleetRule{"piste/fleet/" + d, append([]string{"net/http"}, adapters...),
			"domain packages speak typed arguments and errors, not HTTP, and know no adapter"})
	}
	return rules
}

// fleetDeps lists every fleet package's dependencies, direct or not, with
// one go list.
func fleetDeps(t *testing.T) map[string][]string {
	t.Helper()
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Deps " "}}`, "piste/fleet/...").Output()
	if ee, ok := err.(*exec.ExitError); ok {
		t.Fatalf("go list: %v\n%s", err, ee.Stderr)
	}
	require.NoError(t, err)
	deps := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		deps[fields[0]] = fields[1:]
	}
	return deps
}

// checkFleetRules returns one message per broken rule.
func checkFleetRules(deps map[string][]string, rules []fleetRule) []string {
	var broken []string
	for _, r := range rules {
		pkgDeps, ok := deps[r.pkg]
		if !ok {
			broken = append(broken, r.pkg+": no such package (rename the rule with the package)")
			continue
		}
		for _, f := range r.forbid {
			if slices.Contains(pkgDeps, f) {
				broken = append(broken, r.pkg+" depends on "+f+": "+r.why)
			}
		}
	}
	return broken
}

func TestFleetLayers(t *testing.T) {
	broken := checkFleetRules(fleetDeps(t), fleetRules())
	assert.Empty(t, broken, "layer rules broken:\n%s", strings.Join(broken, "\n"))
}

// The checker itself catches a wrong-way import.
func TestCheckFleetRulesCatchesAWrongWayImport(t *testing.T) {
	deps := map[string][]string{
		"piste/fleet/web":   {"piste/fleet/api", "net/http"},
		"piste/fleet/staff": {"piste/fleet/store"},
	}
	tests := []struct {
		name   string
		rule   fleetRule
		broken int
	}{
		{"forbidden dependency", fleetRule{"piste/fleet/web", []string{"piste/fleet/api"}, "x"}, 1},
		{"clean package", fleetRule{"piste/fleet/staff", []string{"net/http"}, "x"}, 0},
		{"unknown package", fleetRule{"piste/fleet/nothing", nil, "x"}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Len(t, checkFleetRules(deps, []fleetRule{tc.rule}), tc.broken)
		})
	}
}
