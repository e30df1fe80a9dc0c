package config

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// keys are the config's keys in the order they are documented.
var keys = []string{"visitor_accounts", "staff_accounts", "skeletons", "extra_paths"}

// Parse reads a config's YAML strictly: unknown, repeated or mistyped keys
// are refused and named. It checks the rules that need nothing of the
// machine; Load checks the rest. file names the text in messages.
func Parse(data []byte, file string) (Config, error) {
	c, err := parse(data)
	if err == nil {
		c.File = file
		return c, nil
	}
	if e, ok := err.(*Error); ok {
		e.File = file
	}
	return Config{}, err
}

func parse(data []byte) (Config, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return Config{}, &Error{Msg: fmt.Sprintf("is not valid YAML: %v", strings.TrimPrefix(err.Error(), "yaml: "))}
	}
	var c Config
	lines := map[string]int{}
	if len(doc.Content) > 0 {
		top := doc.Content[0]
		if top.Kind != yaml.MappingNode {
			return Config{}, &Error{Line: top.Line, Msg: "must be a mapping of keys such as visitor_accounts: [piste-visitor]"}
		}
		lists := map[string]*[]string{
			"visitor_accounts": &c.VisitorAccounts, "staff_accounts": &c.StaffAccounts,
			"skeletons": &c.Skeletons, "extra_paths": &c.ExtraPaths,
		}
		for i := 0; i+1 < len(top.Content); i += 2 {
			k, v := top.Content[i], top.Content[i+1]
			dst, ok := lists[k.Value]
			if k.Kind != yaml.ScalarNode || !ok {
				return Config{}, unknownKey(k)
			}
			if _, seen := lines[k.Value]; seen {
				return Config{}, errorf(k.Value, k.Line, "is given twice; keep one")
			}
			lines[k.Value] = k.Line
			list, err := stringList(k.Value, v, lines)
			if err != nil {
				return Config{}, err
			}
			*dst = list
		}
	}
	if err := c.check(lines); err != nil {
		return Config{}, err
	}
	return c, nil
}

// stringList reads a list of plain text items, noting each item's line.
func stringList(key string, n *yaml.Node, lines map[string]int) ([]string, error) {
	if n.Kind != yaml.SequenceNode {
		return nil, errorf(key, n.Line, "must be a list like [a, b], got %s", describe(n))
	}
	out := make([]string, 0, len(n.Content))
	for i, item := range n.Content {
		k := fmt.Sprintf("%s[%d]", key, i)
		if item.Kind != yaml.ScalarNode || item.Tag != "!!str" {
			return nil, errorf(k, item.Line, "must be text, got %s", describe(item))
		}
		lines[k] = item.Line
		out = append(out, item.Value)
	}
	return out, nil
}

func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias (write the value out)"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "nothing"
		}
		return fmt.Sprintf("%q", n.Value)
	}
	return "an unknown YAML node"
}

// unknownKey names a key the config does not have, with the likely one.
func unknownKey(k *yaml.Node) *Error {
	if k.Kind != yaml.ScalarNode {
		return &Error{Line: k.Line, Msg: "keys must be plain names such as visitor_accounts"}
	}
	msg := "unknown key " + k.Value
	if best := nearest(k.Value); best != "" {
		msg += " (did you mean " + best + "?)"
	} else {
		msg += "; known keys: " + strings.Join(keys, ", ")
	}
	return &Error{Key: k.Value, Line: k.Line, Msg: msg}
}

// nearest returns the known key closest to name, if close enough to be a
// typo.
func nearest(name string) string {
	best, bestDist := "", len(name)/3+1
	for _, c := range keys {
		if d := editDistance(name, c); d <= bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	if len(a) > 64 {
		return len(a) // too long to be a typo of a key
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
