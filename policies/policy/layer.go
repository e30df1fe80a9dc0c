package policy

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// Layer is one scope's policy as its YAML wrote it: only the keys it sets.
// The zero Layer sets nothing.
type Layer struct {
	values map[string]any // by full key, e.g. "session.max_minutes"
}

// Parse reads one layer of policy YAML. It is strict: unknown keys, values
// of the wrong type and values out of range are refused, every problem
// reported (joined) as an *Error naming the key and line. An empty document
// is a valid empty layer. Rules between keys are checked on the merged
// policy (Validate), since another layer may set the other key.
func Parse(data []byte) (Layer, error) {
	root, err := document(data)
	if err != nil {
		return Layer{}, err
	}
	l := Layer{values: map[string]any{}}
	if root == nil {
		return l, nil
	}
	if errs := l.readSection(root, ""); len(errs) > 0 {
		return Layer{}, errors.Join(byLine(errs)...)
	}
	return l, nil
}

// document returns the root node of the single YAML document in data, or
// nil for an empty document.
func document(data []byte) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
		return nil, nil
	} else if err != nil {
		return nil, &Error{Msg: "not valid YAML: " + strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	var next yaml.Node
	if err := dec.Decode(&next); !errors.Is(err, io.EOF) {
		return nil, &Error{Msg: "the file holds more than one YAML document (---); keep one policy layer per file"}
	}
	if len(doc.Content) == 0 {
		return nil, nil
	}
	return doc.Content[0], nil
}

// readSection reads the keys of the mapping n at path (the top level when
// path is empty), descending into sections and decoding settings.
func (l Layer) readSection(n *yaml.Node, path string) []error {
	pairs, errs := entries(n, path, sectionKeys[path])
	for _, e := range pairs {
		s, ok := settingByKey[e.path]
		if !ok {
			errs = append(errs, l.readSection(e.value, e.path)...)
			continue
		}
		v, err := s.decode(e.value)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		l.values[e.path] = v
	}
	return errs
}

// byLine flattens joined errors and orders them as they appear in the file.
func byLine(errs []error) []error {
	var flat []error
	for _, err := range errs {
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			flat = append(flat, byLine(j.Unwrap())...)
			continue
		}
		flat = append(flat, err)
	}
	slices.SortStableFunc(flat, func(a, b error) int { return lineOf(a) - lineOf(b) })
	return flat
}

func lineOf(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.Line
	}
	return 0
}

// applyTo sets in p every key this layer sets.
func (l Layer) applyTo(p *Policy) {
	for _, s := range settings {
		if v, ok := l.values[s.name()]; ok {
			s.apply(p, v)
		}
	}
}

// Keys lists the keys this layer sets, in documentation order, so a page
// can show which scope sets what.
func (l Layer) Keys() []string {
	var keys []string
	for _, s := range settings {
		if _, ok := l.values[s.name()]; ok {
			keys = append(keys, s.name())
		}
	}
	return keys
}

// Has reports whether the layer sets key, like "session.max_minutes".
func (l Layer) Has(key string) bool {
	_, ok := l.values[key]
	return ok
}

// MarshalYAML writes the layer back as policy YAML with only the keys it
// sets, so yaml.Marshal(layer) gives text that Parse reads to the same layer.
func (l Layer) MarshalYAML() (any, error) {
	root := &yaml.Node{Kind: yaml.MappingNode}
	sections := map[string]*yaml.Node{}
	for _, s := range settings {
		v, ok := l.values[s.name()]
		if !ok {
			continue
		}
		section, name := splitKey(s.name())
		m, ok := sections[section]
		if !ok {
			m = &yaml.Node{Kind: yaml.MappingNode}
			sections[section] = m
			root.Content = append(root.Content, scalar(section), m)
		}
		val := &yaml.Node{}
		if err := val.Encode(v); err != nil {
			return nil, err
		}
		m.Content = append(m.Content, scalar(name), val)
	}
	return root, nil
}

func scalar(s string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Value: s}
}
