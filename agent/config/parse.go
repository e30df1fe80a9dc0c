package config

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"

	"piste/internal/release"
	"piste/policies/policy"
)

// keys are the config's keys in the order they are documented.
var keys = []string{"visitor_accounts", "staff_accounts", "skeletons", "extra_paths", "wake_broadcast", "update_public_key"}

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
			"skeletons": &c.Skeletons, "extra_paths": &c.ExtraPaths, "wake_broadcast": &c.WakeBroadcast,
		}
		for i := 0; i+1 < len(top.Content); i += 2 {
			k, v := top.Content[i], top.Content[i+1]
			if k.Kind == yaml.ScalarNode && k.Value == "update_public_key" {
				if _, seen := lines[k.Value]; seen {
					return Config{}, errorf(k.Value, k.Line, "is given twice; keep one")
				}
				lines[k.Value] = k.Line
				key, err := updateKey(v)
				if err != nil {
					return Config{}, err
				}
				c.UpdatePublicKey = key
				continue
			}
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
	if _, set := lines["wake_broadcast"]; !set {
		c.WakeBroadcast = []string{DefaultWakeBroadcast}
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
	if best := policy.Nearest(k.Value, keys); best != "" {
		msg += " (did you mean " + best + "?)"
	} else {
		msg += "; known keys: " + strings.Join(keys, ", ")
	}
	return &Error{Key: k.Value, Line: k.Line, Msg: msg}
}

// updateKey reads update_public_key: one minisign public key line.
func updateKey(n *yaml.Node) (string, error) {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!str" {
		return "", errorf("update_public_key", n.Line, "must be the key line of piste-release.pub, got %s", describe(n))
	}
	text := strings.TrimSpace(n.Value)
	if _, err := release.ParsePublicKey(text); err != nil {
		return "", errorf("update_public_key", n.Line, "%v", err)
	}
	return text, nil
}
