package visits

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"

	"piste/fleet/protocol"
	"piste/fleet/store"
	"piste/policies/policy"
)

// layerCache is the parsed policy layers at one policy version.
type layerCache struct {
	version int64
	loaded  bool
	byScope map[string]policy.Layer
}

// reloadPolicies re-reads the layers when the stored version moved and
// reports whether it did.
func (s *Service) reloadPolicies(ctx context.Context) (bool, error) {
	v, err := s.Store.Version(ctx, store.VersionPolicy)
	if err != nil {
		return false, err
	}
	s.mu.Lock()
	same := s.layers.loaded && s.layers.version == v
	s.mu.Unlock()
	if same {
		return false, nil
	}
	stored, err := s.Store.PolicyLayers(ctx)
	if err != nil {
		return false, err
	}
	byScope := make(map[string]policy.Layer, len(stored))
	for scope, l := range stored {
		parsed, err := policy.Parse([]byte(l.YAML))
		if err != nil {
			// Stored layers were valid when applied; one that no longer
			// parses (an older build's key) is skipped, not fatal.
			s.Log.Error("stored policy layer does not parse; skipping it", "scope", scope, "err", err)
			continue
		}
		byScope[scope] = parsed
	}
	s.mu.Lock()
	s.layers = layerCache{version: v, loaded: true, byScope: byScope}
	s.mu.Unlock()
	return true, nil
}

// Effective is a terminal's policy: the fleet's, its branch's and its own
// layer merged over the shipped defaults.
func (s *Service) Effective(ctx context.Context, t store.Terminal) (policy.Policy, error) {
	s.mu.Lock()
	loaded := s.layers.loaded
	s.mu.Unlock()
	if !loaded {
		if _, err := s.reloadPolicies(ctx); err != nil {
			return policy.Policy{}, fmt.Errorf("visits: load policies: %w", err)
		}
	}
	s.mu.Lock()
	layers := s.layers.byScope
	s.mu.Unlock()
	return resolve(layers, t.Branch, t.ID)
}

func resolve(layers map[string]policy.Layer, branch, terminal string) (policy.Policy, error) {
	p, err := policy.Resolve(layers["fleet"], layers["branch:"+branch], layers["terminal:"+terminal])
	if err != nil {
		return p, fmt.Errorf("visits: effective policy of terminal %s: %w", terminal, err)
	}
	return p, nil
}

// sendPolicy pushes a terminal's effective policy over its link.
func (s *Service) sendPolicy(ctx context.Context, t store.Terminal) {
	p, err := s.Effective(ctx, t)
	if err != nil {
		s.Log.Error("effective policy; terminal keeps its last one", "terminal", t.ID, "err", err)
		return
	}
	s.Link.Send(t.ID, protocol.TypePolicy, p)
}

// pushPolicies sends every connected terminal its policy.
func (s *Service) pushPolicies(ctx context.Context) {
	for _, id := range s.Link.OnlineIDs() {
		t, err := s.Store.Terminal(ctx, id)
		if err != nil {
			continue
		}
		s.sendPolicy(ctx, t)
	}
}

// PolicyChanged reloads the layers and pushes them now, after a change
// made in this process.
func (s *Service) PolicyChanged(ctx context.Context) {
	if changed, err := s.reloadPolicies(ctx); err == nil && changed {
		s.pushPolicies(ctx)
	}
}

// Connected greets a terminal that just connected: its policy, then its
// next reservation.
func (s *Service) Connected(ctx context.Context, t store.Terminal) {
	s.sendPolicy(ctx, t)
	s.mu.Lock()
	delete(s.notified, t.ID)
	s.mu.Unlock()
	s.notifyReservation(ctx, t.ID)
}

// policyJSON is for tests and the CLI's show command.
func policyJSON(p policy.Policy) ([]byte, error) { return json.MarshalIndent(p, "", "  ") }

// EffectiveJSON returns a terminal's effective policy as indented JSON,
// reading the layers straight from the store.
func EffectiveJSON(ctx context.Context, st *store.Store, t store.Terminal) ([]byte, error) {
	s := &Service{Store: st, Log: slog.New(slog.DiscardHandler)}
	if _, err := s.reloadPolicies(ctx); err != nil {
		return nil, err
	}
	p, err := resolve(s.layers.byScope, t.Branch, t.ID)
	if err != nil {
		return nil, err
	}
	return policyJSON(p)
}
