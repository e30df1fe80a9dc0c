package visits

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"

	"piste/fleet/changes"
	"piste/fleet/protocol"
	"piste/fleet/store"
	"piste/policies/policy"
)

// layerCache is the parsed policy layers as of a count of published
// policy changes.
type layerCache struct {
	seen    uint64
	loaded  bool
	byScope map[string]policy.Layer
}

// reloadPolicies re-reads the layers when a policy change was published
// since they were read.
func (s *Service) reloadPolicies(ctx context.Context) error {
	seen := s.Changes.Published(changes.PolicyChanged)
	s.mu.Lock()
	fresh := s.layers.loaded && s.layers.seen == seen
	s.mu.Unlock()
	if fresh {
		return nil
	}
	byScope, err := loadLayers(ctx, s.Store, s.Log)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.layers = layerCache{seen: seen, loaded: true, byScope: byScope}
	s.mu.Unlock()
	return nil
}

func loadLayers(ctx context.Context, st *store.Store, log *slog.Logger) (map[string]policy.Layer, error) {
	stored, err := st.PolicyLayers(ctx)
	if err != nil {
		return nil, err
	}
	byScope := make(map[string]policy.Layer, len(stored))
	for scope, l := range stored {
		parsed, err := policy.Parse([]byte(l.YAML))
		if err != nil {
			// Stored layers were valid when applied; one that no longer
			// parses (an older build's key) is skipped, not fatal.
			log.Error("stored policy layer does not parse; skipping it", "scope", scope, "err", err)
			continue
		}
		byScope[scope] = parsed
	}
	return byScope, nil
}

// Effective is a terminal's policy: the fleet's, its branch's and its own
// layer merged over the shipped defaults.
func (s *Service) Effective(ctx context.Context, t store.Terminal) (policy.Policy, error) {
	if err := s.reloadPolicies(ctx); err != nil {
		return policy.Policy{}, fmt.Errorf("visits: load policies: %w", err)
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

// pushPolicies sends each connected terminal under one of the changed
// scopes its policy.
func (s *Service) pushPolicies(ctx context.Context, scopes []string) {
	for _, id := range s.Link.OnlineIDs() {
		t, err := s.Store.Terminal(ctx, id)
		if err != nil {
			continue
		}
		for _, sc := range scopes {
			if sc == "fleet" || sc == "branch:"+t.Branch || sc == "terminal:"+t.ID {
				s.sendPolicy(ctx, t)
				break
			}
		}
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
	layers, err := loadLayers(ctx, st, slog.New(slog.DiscardHandler))
	if err != nil {
		return nil, err
	}
	p, err := resolve(layers, t.Branch, t.ID)
	if err != nil {
		return nil, err
	}
	return policyJSON(p)
}
