// Package policies is what staff do with visitor-session policy layers:
// read and store the layer of a scope (the fleet, a branch, a terminal),
// within the scopes the acting member may change, checked so that no
// stored layer makes any terminal's merged policy invalid.
package policies

import (
	"context"
	"errors"
	"fmt"
	"time"

	"piste/fleet/audit"
	"piste/fleet/changes"
	"piste/fleet/fault"
	"piste/fleet/staff"
	"piste/fleet/store"
	"piste/policies/policy"
)

// Store is the part of the store policies use.
type Store interface {
	PolicyLayers(ctx context.Context) (map[string]store.PolicyLayer, error)
	PolicyLayersFor(ctx context.Context, scopes ...string) (map[string]store.PolicyLayer, error)
	PutPolicyLayer(ctx context.Context, l store.PolicyLayer) error
	Branch(ctx context.Context, id string) (store.Branch, error)
	Terminal(ctx context.Context, id string) (store.Terminal, error)
}

// Service reads and stores policy layers.
type Service struct {
	Store Store
	Audit *audit.Log
	Now   func() time.Time
	// Changes hears every stored layer, so terminals get their new
	// policy now.
	Changes changes.Publisher
}

// New returns a Service.
func New(st Store, log *audit.Log) *Service {
	return &Service{Store: st, Audit: log, Changes: changes.Discard, Now: time.Now}
}

// Scope parses a scope and refuses one m may not touch: a branch-scoped
// admin only its branch and that branch's terminals.
func (s *Service) Scope(ctx context.Context, m staff.Member, text string) (policy.Scope, error) {
	if err := m.Need(staff.RoleAdmin); err != nil {
		return policy.Scope{}, err
	}
	sc, err := policy.ParseScope(text)
	if err != nil {
		return sc, fault.Field("scope", "%v", err)
	}
	if m.FleetWide() {
		return sc, nil
	}
	branch := ""
	switch sc.Kind {
	case policy.ScopeBranch:
		branch = sc.ID
	case policy.ScopeTerminal:
		t, err := s.Store.Terminal(ctx, sc.ID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return sc, fmt.Errorf("policies: terminal of scope %s: %w", sc, err)
		}
		branch = t.Branch
	}
	if sc.Kind == policy.ScopeFleet || !m.CanSee(branch) {
		return sc, fault.Forbidden("your account is limited to %s; it may not change scope %s", m.Scope(), sc)
	}
	return sc, nil
}

// Get returns the stored layer of a scope.
func (s *Service) Get(ctx context.Context, m staff.Member, scope string) (store.PolicyLayer, error) {
	sc, err := s.Scope(ctx, m, scope)
	if err != nil {
		return store.PolicyLayer{}, err
	}
	layers, err := s.Store.PolicyLayersFor(ctx, sc.String())
	if err != nil {
		return store.PolicyLayer{}, fmt.Errorf("policies: read %s: %w", sc, err)
	}
	l, ok := layers[sc.String()]
	if !ok {
		return l, fault.NotFound("no policy layer for scope %s: PUT one, or the defaults apply", sc)
	}
	return l, nil
}

// Put checks a layer's YAML and stores it for a scope. A FieldError names
// the offending key; the layer is refused also when it is valid alone but
// makes the merged policy of its scope invalid.
func (s *Service) Put(ctx context.Context, m staff.Member, scope string, yamlText []byte) (policy.Scope, error) {
	sc, err := s.Scope(ctx, m, scope)
	if err != nil {
		return sc, err
	}
	if sc.Kind == policy.ScopeGroup {
		return sc, fault.Field("scope", "policy: group scopes are not supported by this fleet yet; use fleet, branch:ID or terminal:ID")
	}
	layer, err := policy.Parse(yamlText)
	if err != nil {
		return sc, policyFault(err)
	}
	stored, err := s.Store.PolicyLayers(ctx)
	if err != nil {
		return sc, fmt.Errorf("policies: read stored layers: %w", err)
	}
	layers := map[string]policy.Layer{}
	for scope, l := range stored {
		if parsed, err := policy.Parse([]byte(l.YAML)); err == nil {
			layers[scope] = parsed
		}
	}
	layers[sc.String()] = layer
	if err := s.checkMerged(ctx, sc, layers); err != nil {
		return sc, err
	}
	err = s.Store.PutPolicyLayer(ctx, store.PolicyLayer{Scope: sc.String(), YAML: string(yamlText), UpdatedAt: s.Now(), UpdatedBy: m.Name})
	if err != nil {
		return sc, fmt.Errorf("policies: store %s: %w", sc, err)
	}
	if err := s.Audit.Record(ctx, m.Name, "policy-apply", sc.String(), Diff(stored[sc.String()].YAML, string(yamlText))); err != nil {
		return sc, err
	}
	s.Changes.Publish(changes.Change{Kind: changes.PolicyChanged, Scope: sc.String()})
	return sc, nil
}

// checkMerged validates the merged policy where the new layer applies.
func (s *Service) checkMerged(ctx context.Context, sc policy.Scope, layers map[string]policy.Layer) error {
	branch, terminal := "", ""
	switch sc.Kind {
	case policy.ScopeBranch:
		_, err := s.Store.Branch(ctx, sc.ID)
		if errors.Is(err, store.ErrNotFound) {
			return fault.Field("scope", "policy: scope %s: no branch %q (piste-fleet branch add)", sc, sc.ID)
		}
		if err != nil {
			return fmt.Errorf("policies: load branch %s: %w", sc.ID, err)
		}
		branch = sc.ID
	case policy.ScopeTerminal:
		t, err := s.Store.Terminal(ctx, sc.ID)
		if errors.Is(err, store.ErrNotFound) {
			return fault.Field("scope", "policy: scope %s: no terminal %q (piste-fleet terminal list)", sc, sc.ID)
		}
		if err != nil {
			return fmt.Errorf("policies: load terminal %s: %w", sc.ID, err)
		}
		branch, terminal = t.Branch, t.ID
	}
	if _, err := policy.Resolve(layers["fleet"], layers["branch:"+branch], layers["terminal:"+terminal]); err != nil {
		return policyFault(err)
	}
	return nil
}

// policyFault names the policy key an error is about.
func policyFault(err error) error {
	field := "scope"
	if perr := (*policy.Error)(nil); errors.As(err, &perr) {
		field = perr.Key
	}
	return &fault.FieldError{Field: field, Reason: err.Error()}
}
