// Package policies holds the policy files Piste ships: the built-in defaults
// that every fleet starts from, and examples for a branch and a terminal.
// Package policy parses, merges and validates them.
package policies

import (
	"embed"
)

// DefaultYAML is default.yaml: the value of every policy key before any
// fleet, branch, group or terminal layer is applied.
//
//go:embed default.yaml
var DefaultYAML []byte

// Examples holds examples/*.yaml, realistic layers an admin can start from.
//
//go:embed examples/*.yaml
var Examples embed.FS
