package policies

import (
	"bytes"
	"context"
	"fmt"

	"gopkg.in/yaml.v3"

	"piste/fleet/fault"
	"piste/fleet/staff"
	"piste/policies/policy"
)

// SetDayHours sets a branch's opening hours on one date (exceptional
// hours: a holiday, a short day), as an entry of hours.exceptions in the
// branch's layer, replacing one for the same date. The closing time and
// the power schedule follow the new hours. The layer is checked, versioned
// and audited as any edit is. Empty hours remove the date's entry.
func (s *Service) SetDayHours(ctx context.Context, m staff.Member, branch, date, hours, note string) (int, error) {
	sc, err := s.Scope(ctx, m, "branch:"+branch)
	if err != nil {
		return 0, err
	}
	d, err := policy.ParseDate(date)
	if err != nil {
		return 0, fault.Field("date", "%v", err)
	}
	if hours != "" {
		if _, err := policy.ParseDayHours(hours); err != nil {
			return 0, fault.Field("hours", "hours %q: %v", hours, err)
		}
	}
	if len(note) > 200 {
		return 0, fault.Field("note", "note must be at most 200 bytes, got %d", len(note))
	}
	layers, err := s.Store.PolicyLayersFor(ctx, sc.String())
	if err != nil {
		return 0, fmt.Errorf("policies: read %s: %w", sc, err)
	}
	text, err := withDayHours([]byte(layers[sc.String()].YAML), d.String(), hours, note)
	if err != nil {
		return 0, fault.Field("scope", "the layer of %s cannot take the date: %v; edit its YAML instead", sc, err)
	}
	if err := s.check(ctx, sc, text); err != nil {
		return 0, err
	}
	return s.store(ctx, m, sc, text, 0)
}

// withDayHours returns the layer with hours.exceptions holding date's
// hours (or not holding date, for empty hours), keeping the rest of the
// text's structure and comments.
func withDayHours(text []byte, date, hours, note string) ([]byte, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(text, &doc); err != nil {
		return nil, err
	}
	if len(doc.Content) == 0 {
		doc = yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{{Kind: yaml.MappingNode}}}
	}
	root := doc.Content[0]
	hoursSec, err := child(root, "hours", yaml.MappingNode)
	if err != nil {
		return nil, err
	}
	list, err := child(hoursSec, "exceptions", yaml.SequenceNode)
	if err != nil {
		return nil, err
	}
	kept := list.Content[:0]
	for _, item := range list.Content {
		if item.Kind == yaml.MappingNode && valueOf(item, "date") == date {
			continue
		}
		kept = append(kept, item)
	}
	list.Content = kept
	if hours != "" {
		entry := &yaml.Node{Kind: yaml.MappingNode, Style: yaml.FlowStyle}
		entry.Content = append(entry.Content, str("date"), str(date), str("hours"), quoted(hours))
		if note != "" {
			entry.Content = append(entry.Content, str("note"), quoted(note))
		}
		list.Content = append(list.Content, entry)
	}
	var out bytes.Buffer
	enc := yaml.NewEncoder(&out)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return nil, err
	}
	return out.Bytes(), enc.Close()
}

// child returns the value of key in mapping n, adding an empty one of kind
// when missing.
func child(n *yaml.Node, key string, kind yaml.Kind) (*yaml.Node, error) {
	if n.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("the parent of %s is not a mapping", key)
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			v := n.Content[i+1]
			if v.Kind == yaml.ScalarNode && v.Tag == "!!null" {
				*v = yaml.Node{Kind: kind}
			}
			if v.Kind != kind {
				return nil, fmt.Errorf("%s is not a %s", key, map[yaml.Kind]string{yaml.MappingNode: "mapping", yaml.SequenceNode: "list"}[kind])
			}
			return v, nil
		}
	}
	v := &yaml.Node{Kind: kind}
	n.Content = append(n.Content, str(key), v)
	return v, nil
}

func valueOf(m *yaml.Node, key string) string {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1].Value
		}
	}
	return ""
}

func str(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Value: s} }

func quoted(s string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Value: s, Style: yaml.DoubleQuotedStyle}
}
