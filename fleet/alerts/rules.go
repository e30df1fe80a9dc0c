package alerts

import (
	"context"
	"fmt"
	"time"

	"piste/fleet/changes"
	"piste/fleet/store"
	"piste/policies/policy"
)

// skewWait is how long a terminal's clock must look off before the alert
// opens: right after a reconnect, a health report held in the agent's
// outbox arrives late and looks like a clock behind, until the next live
// report replaces it.
const skewWait = 2 * time.Minute

// Check runs every rule over every terminal once and opens and closes
// their alerts to match; it returns the alerts it opened.
func (s *Service) Check(ctx context.Context) ([]store.Alert, error) {
	now := s.Now()
	ts, err := s.Store.RuleTerminals(ctx)
	if err != nil {
		return nil, fmt.Errorf("alerts: read terminals: %w", err)
	}
	policies, err := s.policies(ctx)
	if err != nil {
		return nil, err
	}
	current, err := s.current(ctx)
	if err != nil {
		return nil, err
	}
	want := map[store.AlertKey]string{}
	seenSkew := map[string]bool{}
	for _, t := range ts {
		p := policies.of(t)
		cur, err := s.currentFor(ctx, t, current)
		if err != nil {
			return nil, err
		}
		for kind, detail := range s.causes(t, p, cur, now, seenSkew) {
			want[store.AlertKey{Terminal: t.ID, Kind: kind}] = detail
		}
	}
	s.mu.Lock()
	for id := range s.skewed {
		if !seenSkew[id] {
			delete(s.skewed, id)
		}
	}
	s.mu.Unlock()
	opened, closed, err := s.Store.SyncAlerts(ctx, ruleKinds, want, now)
	if err != nil {
		return nil, fmt.Errorf("alerts: store: %w", err)
	}
	s.Metrics.count(opened)
	if len(opened)+len(closed) > 0 {
		s.Changes.Publish(changes.Change{Kind: changes.AlertsChanged})
	}
	return opened, nil
}

// causes are the rule alerts that should be open for one terminal, with
// their details.
func (s *Service) causes(t store.Terminal, p effective, current Version, now time.Time, seenSkew map[string]bool) map[string]string {
	out := map[string]string{}
	online := t.Linked
	if s.Link != nil {
		online, _ = s.Link.Online(t.ID)
	}
	if d, ok := offlineInOpeningHours(t, online, p.hours, p.alerts, now); ok {
		out[KindOffline] = d
	}
	if !t.Health.At.IsZero() && t.Health.DiskUsedPercent >= float64(p.alerts.DiskPercent) {
		out[KindDiskFull] = fmt.Sprintf("disk %.0f %% used (alert at %d %%)", t.Health.DiskUsedPercent, p.alerts.DiskPercent)
	}
	if p.alerts.VersionBehind && current.Valid() {
		if v := ParseVersion(t.AgentVersion); v.Valid() && v.Less(current) {
			out[KindVersionBehind] = fmt.Sprintf("agent %s, current release %s", t.AgentVersion, current)
		}
	}
	if online && !t.HealthReceived.IsZero() {
		skew := t.Health.At.Sub(t.HealthReceived)
		if skew.Abs() > time.Duration(p.alerts.ClockSkewSeconds)*time.Second {
			seenSkew[t.ID] = true
			s.mu.Lock()
			first, ok := s.skewed[t.ID]
			if !ok {
				s.skewed[t.ID] = now
				first = now
			}
			s.mu.Unlock()
			if now.Sub(first) >= skewWait {
				out[KindClockSkew] = fmt.Sprintf("clock %s off the fleet's (alert past %d s)", skew.Round(time.Second), p.alerts.ClockSkewSeconds)
			}
		}
	}
	return out
}

// offlineInOpeningHours is the offline rule: a terminal unheard of for
// offline_minutes while its branch is open now and was open that long
// ago, so a PC switched off overnight alerts only once the library has
// been open that long.
func offlineInOpeningHours(t store.Terminal, online bool, h policy.Hours, a policy.Alerts, now time.Time) (string, bool) {
	if online {
		return "", false
	}
	limit := time.Duration(a.OfflineMinutes) * time.Minute
	since := t.LastSeen
	if since.IsZero() || since.Before(t.EnrolledAt) {
		since = t.EnrolledAt
	}
	if now.Sub(since) < limit || !h.OpenAt(now) || !h.OpenAt(now.Add(-limit)) {
		return "", false
	}
	if t.LastSeen.IsZero() {
		return fmt.Sprintf("never connected; enrolled %s", since.UTC().Format(time.RFC3339)), true
	}
	return fmt.Sprintf("offline since %s during opening hours", since.UTC().Format(time.RFC3339)), true
}

// effective is what the rules read of a terminal's policy.
type effective struct {
	alerts policy.Alerts
	hours  policy.Hours
}

// layerSet resolves terminals' policies from the stored layers, once per
// branch unless a terminal has its own layer.
type layerSet struct {
	layers   map[string]policy.Layer
	byBranch map[string]effective
}

func (s *Service) policies(ctx context.Context) (*layerSet, error) {
	stored, err := s.Store.PolicyLayers(ctx)
	if err != nil {
		return nil, fmt.Errorf("alerts: read policy layers: %w", err)
	}
	ls := &layerSet{layers: map[string]policy.Layer{}, byBranch: map[string]effective{}}
	for scope, l := range stored {
		// Stored layers were checked when applied; one that no longer
		// parses (written by a newer fleet) is left out, as elsewhere.
		if parsed, err := policy.Parse([]byte(l.YAML)); err == nil {
			ls.layers[scope] = parsed
		}
	}
	return ls, nil
}

func (ls *layerSet) of(t store.Terminal) effective {
	own, has := ls.layers["terminal:"+t.ID]
	if !has {
		if e, ok := ls.byBranch[t.Branch]; ok {
			return e
		}
	}
	p := policy.Merge(ls.layers["fleet"], ls.layers["branch:"+t.Branch], own)
	e := effective{alerts: p.Alerts, hours: p.Hours}
	if !has {
		ls.byBranch[t.Branch] = e
	}
	return e
}

// Run checks the rules every interval and looks for changed alerts every
// watch interval, until ctx ends.
func (s *Service) Run(ctx context.Context, interval, watch time.Duration, log func(msg string, args ...any)) {
	check := time.NewTicker(interval)
	look := time.NewTicker(watch)
	defer check.Stop()
	defer look.Stop()
	for {
		if _, err := s.Check(ctx); err != nil && ctx.Err() == nil {
			log("check alert rules", "err", err)
		}
		if err := s.Notify(ctx); err != nil && ctx.Err() == nil {
			log("notify alert contacts", "err", err)
		}
	wait:
		for {
			select {
			case <-ctx.Done():
				return
			case <-look.C:
				if err := s.Watch(ctx); err != nil && ctx.Err() == nil {
					log("watch alerts", "err", err)
				}
			case <-check.C:
				break wait
			}
		}
	}
}
