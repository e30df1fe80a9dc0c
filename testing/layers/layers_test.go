package layers

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rules is the module's import policy. Other files of this package add
// theirs in init, so each part of the tree states its own:
//
//	func init() { rules = append(rules, Rule{From: ..., Forbid: ..., Why: ...}) }
var rules = []Rule{
	{From: "piste/agent/...", Forbid: "piste/fleet/...", Except: []string{"piste/fleet/protocol"},
		Why: "a terminal speaks to the fleet only through the protocol; fleet internals must never run as root on a public PC"},
	{From: "piste/kiosk-ui/...", Forbid: "piste/fleet/...", Except: []string{"piste/fleet/protocol"},
		Why: "the kiosk knows the fleet only through the agent and the protocol's shared types"},
	{From: "piste/fleet/protocol", Forbid: "piste/fleet/...", Except: []string{"piste/fleet/protocol"},
		Why: "the protocol is the contract both sides import; it depends on no side"},
	{From: "piste/fleet/protocol", Forbid: "piste/agent/...",
		Why: "the protocol is the contract both sides import; it depends on no side"},
	{From: "piste/kiosk-ui/...", Forbid: "piste/agent/...", Except: []string{"piste/agent/localapi", "piste/agent/state"},
		Why: "the kiosk holds no authority: it reaches the agent only through its local API (and finds its socket by agent/state)"},
}

func TestModuleKeepsItsLayers(t *testing.T) {
	g, err := Load("../..", "piste/...")
	require.NoError(t, err)
	require.Contains(t, g, "piste/fleet/protocol", "go list saw the module")
	require.Contains(t, g, "piste/agent/link")
	for _, v := range Check(g, rules) {
		t.Error(v)
	}
}

// The checker itself, on a made-up import graph.
func TestCheck(t *testing.T) {
	g := Graph{
		"m/agent/link":     {"fmt", "m/fleet/protocol", "m/agent/outbox"},
		"m/agent/outbox":   {"m/fleet/store"},          // reaches the fleet through another package
		"m/agent/session":  {"m/fleet/protocol", "os"}, // allowed
		"m/fleet/protocol": {"encoding/json"},
		"m/fleet/store":    {"database/sql", "m/fleet/protocol"},
		"m/fleet/web":      {"m/fleet/api", "net/http"},
		"m/fleet/api":      {"net/http"},
	}
	tests := []struct {
		name string
		rule Rule
		want []string // each violation's chain
	}{
		{"allowed import", Rule{From: "m/agent/session", Forbid: "m/fleet/...", Except: []string{"m/fleet/protocol"}}, nil},
		{"direct", Rule{From: "m/agent/outbox", Forbid: "m/fleet/...", Except: []string{"m/fleet/protocol"}},
			[]string{"m/agent/outbox → m/fleet/store"}},
		{"through another package, shortest chain", Rule{From: "m/agent/...", Forbid: "m/fleet/...", Except: []string{"m/fleet/protocol"}},
			[]string{"m/agent/link → m/agent/outbox → m/fleet/store", "m/agent/outbox → m/fleet/store"}},
		{"exact pattern", Rule{From: "m/fleet/web", Forbid: "m/fleet/api"}, []string{"m/fleet/web → m/fleet/api"}},
		{"standard library allowed", Rule{From: "m/fleet/store", Forbid: "net/http"}, nil},
		{"standard library forbidden", Rule{From: "m/fleet/api", Forbid: "net/http"}, []string{"m/fleet/api → net/http"}},
		{"pattern is not a string prefix", Rule{From: "m/agent/...", Forbid: "m/fleet/stor/..."}, nil},
		{"except names the imported package", Rule{From: "m/fleet/web", Forbid: "m/fleet/...", Except: []string{"m/fleet/api"}}, nil},
		{"no package matches From", Rule{From: "m/kiosk-ui/...", Forbid: "m/fleet/..."}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, v := range Check(g, []Rule{tc.rule}) {
				got = append(got, joinChain(v.Chain))
			}
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestMatch(t *testing.T) {
	assert.True(t, Match("m/fleet/...", "m/fleet"))
	assert.True(t, Match("m/fleet/...", "m/fleet/a/b"))
	assert.False(t, Match("m/fleet/...", "m/fleetwood"))
	assert.True(t, Match("m/fleet/protocol", "m/fleet/protocol"))
	assert.False(t, Match("m/fleet/protocol", "m/fleet/protocol/x"))
}

func TestViolationSaysWhy(t *testing.T) {
	v := Violation{Rule: Rule{Why: "because"}, Chain: []string{"a", "b", "c"}}
	assert.Equal(t, "a imports c (a → b → c): because", v.String())
}

func joinChain(c []string) string {
	out := ""
	for i, p := range c {
		if i > 0 {
			out += " → "
		}
		out += p
	}
	return out
}
