package policy

import (
	"fmt"
	"slices"
	"strconv"

	"gopkg.in/yaml.v3"
)

// This file turns YAML nodes into Go values, refusing anything of the wrong
// type with an error that names the key and its line.

// deref follows an alias (*name) to the node it stands for, so admins may
// reuse a value with an anchor, such as one day's opening hours.
func deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// describe says what a node holds, for "must be X, got Y" messages.
func describe(n *yaml.Node) string {
	switch {
	case n.Kind == yaml.MappingNode:
		return "a mapping"
	case n.Kind == yaml.SequenceNode:
		return "a list"
	case isNull(n):
		return "nothing"
	case n.ShortTag() == "!!str":
		return strconv.Quote(n.Value)
	}
	return n.Value
}

// scalarOf returns n when it is a scalar carrying one of tags, or an error
// saying the key must be a `want`.
func scalarOf(n *yaml.Node, key, want string, tags ...string) (*yaml.Node, error) {
	n = deref(n)
	if isNull(n) {
		return nil, errorf(key, n.Line, "has no value; write %s, or remove the key to inherit it", want)
	}
	if n.Kind == yaml.ScalarNode {
		for _, tag := range tags {
			if n.ShortTag() == tag {
				return n, nil
			}
		}
	}
	return nil, errorf(key, n.Line, "must be %s, got %s", want, describe(n))
}

func parseInt(n *yaml.Node, key string) (int, error) {
	n, err := scalarOf(n, key, "a whole number", "!!int")
	if err != nil {
		return 0, err
	}
	var v int
	if err := n.Decode(&v); err != nil {
		return 0, errorf(key, n.Line, "must be a whole number, got %s", describe(n))
	}
	return v, nil
}

func parseString(n *yaml.Node, key string) (string, error) {
	n, err := scalarOf(n, key, "text (put it in quotes)", "!!str")
	if err != nil {
		return "", err
	}
	return n.Value, nil
}

// parseText is parseString for a string-like type such as Language.
func parseText[T ~string](n *yaml.Node, key string) (T, error) {
	s, err := parseString(n, key)
	return T(s), err
}

func parseBool(n *yaml.Node, key string) (bool, error) {
	n, err := scalarOf(n, key, "true or false", "!!bool")
	if err != nil {
		return false, err
	}
	var v bool
	if err := n.Decode(&v); err != nil {
		return false, errorf(key, n.Line, "must be true or false, got %s", describe(n))
	}
	return v, nil
}

// listOf parses a YAML list whose items each parse with item; item keys are
// named key[i] so a bad item can be found.
func listOf[T any](item func(*yaml.Node, string) (T, error)) func(*yaml.Node, string) ([]T, error) {
	return func(n *yaml.Node, key string) ([]T, error) {
		n = deref(n)
		if n.Kind != yaml.SequenceNode {
			return nil, errorf(key, n.Line, "must be a list like [5, 1], got %s", describe(n))
		}
		out := make([]T, 0, len(n.Content))
		for i, c := range n.Content {
			v, err := item(c, fmt.Sprintf("%s[%d]", key, i))
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	}
}

// entry is one key: value pair of a YAML mapping.
type entry struct {
	name  string
	path  string
	key   *yaml.Node
	value *yaml.Node
}

// entries returns the pairs of the mapping n at path, refusing keys that are
// not in known (with a did-you-mean) and keys set twice. A null node is an
// empty mapping, so an empty section ("wipe:") is allowed.
func entries(n *yaml.Node, path string, known []string) ([]entry, []error) {
	n = deref(n)
	if isNull(n) {
		return nil, nil
	}
	if n.Kind != yaml.MappingNode && path == "" {
		return nil, []error{&Error{Line: n.Line, Msg: "a policy must be a mapping of sections (session, wipe, accessibility, hours, help, library, alerts, power), got " + describe(n)}}
	}
	if n.Kind != yaml.MappingNode {
		return nil, []error{errorf(path, n.Line, "must be a mapping of keys, got %s", describe(n))}
	}
	var out []entry
	var errs []error
	firstLine := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := deref(n.Content[i]), n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			errs = append(errs, &Error{Key: path, Line: k.Line, Msg: "keys under " + orTop(path) + " must be plain names"})
			continue
		}
		e := entry{name: k.Value, path: joinKey(path, k.Value), key: k, value: v}
		if first, dup := firstLine[e.name]; dup {
			errs = append(errs, errorf(e.path, k.Line, "is set twice (first on line %d); keep one", first))
			continue
		}
		firstLine[e.name] = k.Line
		if !slices.Contains(known, e.name) {
			errs = append(errs, unknownKeyError(e.path, k.Line, known))
			continue
		}
		out = append(out, e)
	}
	return out, errs
}

func orTop(path string) string {
	if path == "" {
		return "the top level"
	}
	return path
}
