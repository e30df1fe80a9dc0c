package policies

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"piste/fleet/fault"
	"piste/fleet/staff"
	"piste/fleet/store"
	"piste/policies/policy"
)

// EffectiveKey is one key of a terminal's merged policy and the layers
// that set it, broadest first; "default" when only the shipped defaults
// do. Keys that combine across layers (wipe.extra_paths, hours.weekly,
// hours.exceptions) may name several.
type EffectiveKey struct {
	Key   string          `json:"key"`
	Value json.RawMessage `json:"value"`
	SetBy []string        `json:"set_by"`
}

// Effective is a terminal's merged policy key by key.
type Effective struct {
	Terminal string         `json:"terminal"`
	Branch   string         `json:"branch"`
	Keys     []EffectiveKey `json:"keys"`
	// Error says why the merged policy is invalid, when it is; the
	// terminal then keeps its last valid policy.
	Error string `json:"error,omitempty"`
}

// Effective returns the policy a terminal m sees runs under, and which
// layer set each key.
func (s *Service) Effective(ctx context.Context, m staff.Member, terminalID string) (Effective, error) {
	if err := m.Need(staff.RoleAdmin); err != nil {
		return Effective{}, err
	}
	t, err := s.Store.Terminal(ctx, terminalID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !m.CanSee(t.Branch)) {
		return Effective{}, fault.NotFound("no terminal %q", terminalID)
	}
	if err != nil {
		return Effective{}, fmt.Errorf("policies: terminal %s: %w", terminalID, err)
	}
	layers, err := s.parsedLayers(ctx)
	if err != nil {
		return Effective{}, err
	}
	scopes := []string{"fleet", "branch:" + t.Branch, "terminal:" + t.ID}
	ordered := make([]policy.Layer, len(scopes))
	for i, sc := range scopes {
		ordered[i] = layers[sc]
	}
	p, verr := policy.Resolve(ordered...)
	e := Effective{Terminal: t.ID, Branch: t.Branch}
	if verr != nil {
		e.Error = verr.Error()
	}
	values, err := leaves(p)
	if err != nil {
		return e, err
	}
	for _, key := range policy.KnownKeys() {
		k := EffectiveKey{Key: key, Value: values[key], SetBy: []string{}}
		for i, sc := range scopes {
			if ordered[i].Has(key) {
				k.SetBy = append(k.SetBy, sc)
			}
		}
		if len(k.SetBy) == 0 {
			k.SetBy = append(k.SetBy, "default")
		}
		if k.Value == nil {
			k.Value = json.RawMessage("null")
		}
		e.Keys = append(e.Keys, k)
	}
	return e, nil
}

// leaves maps each "section.key" of a policy to its JSON value.
func leaves(p policy.Policy) (map[string]json.RawMessage, error) {
	b, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("policies: encode policy: %w", err)
	}
	var sections map[string]map[string]json.RawMessage
	if err := json.Unmarshal(b, &sections); err != nil {
		return nil, fmt.Errorf("policies: decode policy: %w", err)
	}
	out := map[string]json.RawMessage{}
	for section, keys := range sections {
		for k, v := range keys {
			out[section+"."+k] = v
		}
	}
	return out, nil
}
