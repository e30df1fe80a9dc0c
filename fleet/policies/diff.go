package policies

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// Diff says key by key how a layer's YAML changed, for the audit log:
// "session.max_minutes: 60 -> 45; + wipe.extra_paths: [/srv/x]; - idle.minutes: 10".
// Lists are compared whole. A layer that cannot be read counts as empty.
func Diff(oldYAML, newYAML string) string {
	before, after := flatten(oldYAML), flatten(newYAML)
	keys := make([]string, 0, len(before)+len(after))
	for k := range before {
		keys = append(keys, k)
	}
	for k := range after {
		if _, ok := before[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var parts []string
	for _, k := range keys {
		o, hadOld := before[k]
		n, hasNew := after[k]
		switch {
		case !hadOld:
			parts = append(parts, fmt.Sprintf("+ %s: %s", k, n))
		case !hasNew:
			parts = append(parts, fmt.Sprintf("- %s: %s", k, o))
		case o != n:
			parts = append(parts, fmt.Sprintf("%s: %s -> %s", k, o, n))
		}
	}
	if len(parts) == 0 {
		return "no change"
	}
	return strings.Join(parts, "; ")
}

// flatten maps each leaf key path of a YAML document to its value.
func flatten(text string) map[string]string {
	var doc any
	out := map[string]string{}
	if yaml.Unmarshal([]byte(text), &doc) != nil {
		return out
	}
	walk("", doc, out)
	return out
}

func walk(path string, v any, out map[string]string) {
	if m, ok := v.(map[string]any); ok && len(m) > 0 {
		for k, child := range m {
			walk(strings.TrimPrefix(path+"."+k, "."), child, out)
		}
		return
	}
	if path == "" {
		return
	}
	if s, ok := v.(string); ok {
		out[path] = s
		return
	}
	b, err := json.Marshal(v)
	if err != nil {
		out[path] = fmt.Sprint(v)
		return
	}
	out[path] = string(b)
}
