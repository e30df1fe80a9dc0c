package audit

import (
	"strconv"
	"time"

	"piste/fleet/fault"
	"piste/fleet/store"
)

// ParseFilter reads an audit search from a query: actor, action (a
// trailing * matches a prefix), target, since and until (RFC 3339 or
// YYYY-MM-DD), limit (1-1000, default 200).
func ParseFilter(q map[string][]string) (store.AuditFilter, error) {
	get := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	f := store.AuditFilter{Actor: get("actor"), Action: get("action"), Target: get("target"), Limit: 200}
	for _, p := range []struct {
		key string
		dst *time.Time
	}{{"since", &f.Since}, {"until", &f.Until}} {
		v := get(p.key)
		if v == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			t, err = time.Parse(time.DateOnly, v)
		}
		if err != nil {
			return f, fault.Field(p.key, "%s must be a date like 2026-12-01 or a time like 2026-12-01T08:00:00Z, got %q", p.key, v)
		}
		*p.dst = t
	}
	if v := get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return f, fault.Field("limit", "limit must be from 1 to 1000, got %q", v)
		}
		f.Limit = n
	}
	return f, nil
}
