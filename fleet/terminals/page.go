package terminals

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"piste/fleet/fault"
	"piste/fleet/protocol"
	"piste/fleet/staff"
	"piste/fleet/store"
)

// PageStore is the part of the store the paged list uses.
type PageStore interface {
	TerminalPage(ctx context.Context, q store.TerminalQuery) ([]store.Terminal, error)
	CountByStatus(ctx context.Context, q store.TerminalQuery) (map[string]int, error)
	TerminalIDs(ctx context.Context, q store.TerminalQuery) ([]string, error)
	ListTerminal(ctx context.Context, id string) (store.Terminal, error)
}

// Limits of a list page.
const (
	DefaultPageSize = 50
	MaxPageSize     = 500
)

// Query is a filter of the terminal list, as the API's and the list
// page's query strings carry it.
type Query struct {
	Branch  string `json:"branch,omitempty"`
	Status  string `json:"status,omitempty"`
	Kind    string `json:"kind,omitempty"`
	Version string `json:"version,omitempty"`
	Text    string `json:"q,omitempty"`
}

// PageRequest is a Query with an order and a place in it.
type PageRequest struct {
	Query
	Sort   string // a store.SortBy* key, "-" before it for descending
	Cursor string // from the previous page's Next
	Limit  int
}

// ParseQuery reads a filter from a query string, refusing values that
// cannot match anything with an error naming the parameter.
func ParseQuery(v url.Values) (Query, error) {
	q := Query{Branch: v.Get("branch"), Status: v.Get("status"), Kind: v.Get("kind"),
		Version: strings.TrimSpace(v.Get("version")), Text: strings.TrimSpace(v.Get("q"))}
	return q, q.Check()
}

// Check refuses a filter with values that cannot be.
func (q Query) Check() error {
	switch {
	case q.Branch != "" && !store.ValidID(q.Branch):
		return fault.Field("branch", "branch must be a branch id, got %q", q.Branch)
	case q.Status != "" && !ValidStatus(q.Status):
		return fault.Field("status", "status must be online, offline, in_session or out_of_service, got %q", q.Status)
	case q.Kind != "" && !protocol.TerminalKind(q.Kind).Valid():
		return fault.Field("kind", "kind must be pc or screen, got %q", q.Kind)
	case len(q.Version) > 64 || !utf8.ValidString(q.Version):
		return fault.Field("version", "version must be at most 64 characters of UTF-8")
	case len(q.Text) > 100 || !utf8.ValidString(q.Text):
		return fault.Field("q", "q must be at most 100 characters of UTF-8")
	}
	return nil
}

// Values is the filter as a query string's values, without empty ones.
func (q Query) Values() url.Values {
	v := url.Values{}
	for k, s := range map[string]string{"branch": q.Branch, "status": q.Status, "kind": q.Kind, "version": q.Version, "q": q.Text} {
		if s != "" {
			v.Set(k, s)
		}
	}
	return v
}

// ParsePageRequest reads a page request from a query string.
func ParsePageRequest(v url.Values) (PageRequest, error) {
	q, err := ParseQuery(v)
	if err != nil {
		return PageRequest{}, err
	}
	r := PageRequest{Query: q, Sort: v.Get("sort"), Cursor: v.Get("cursor"), Limit: DefaultPageSize}
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > MaxPageSize {
			return r, fault.Field("limit", "limit must be a whole number from 1 to %d, got %q", MaxPageSize, s)
		}
		r.Limit = n
	}
	if _, _, err := r.order(); err != nil {
		return r, err
	}
	if len(r.Cursor) > 2048 {
		return r, fault.Field("cursor", "cursor is not one this server gave out")
	}
	return r, nil
}

// order splits Sort into its key and direction.
func (r PageRequest) order() (string, bool, error) {
	s := r.Sort
	desc := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	if s == "" {
		s = store.SortByName
	}
	if !store.ValidSort(s) {
		return "", false, fault.Field("sort", "sort must be name, branch, status, version or last_seen, with - before it for descending, got %q", r.Sort)
	}
	return s, desc, nil
}

// cursor is what a Next cursor holds: the order it belongs to and the
// last row's key in it.
type cursor struct {
	Sort string `json:"s"`
	Key  []any  `json:"k"`
}

func encodeCursor(sort string, key []any) string {
	b, _ := json.Marshal(cursor{Sort: sort, Key: key})
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeCursor reads a cursor of the given order ("-name" and "name" are
// different orders), with values of the types its columns have.
func decodeCursor(s, sort, key string) ([]any, error) {
	bad := fault.Field("cursor", "cursor is not one this server gave out for sort %q; start again without it", sort)
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, bad
	}
	var c cursor
	if json.Unmarshal(b, &c) != nil || c.Sort != sort || len(c.Key) != store.KeyLen(key) {
		return nil, bad
	}
	for i, v := range c.Key {
		switch x := v.(type) {
		case string:
			if key == store.SortByLastSeen && i == 0 {
				return nil, bad
			}
		case float64:
			if key != store.SortByLastSeen || i != 0 || x != float64(int64(x)) {
				return nil, bad
			}
			c.Key[i] = int64(x)
		default:
			return nil, bad
		}
	}
	return c.Key, nil
}

// Page is one page of the terminal list.
type Page struct {
	Terminals []View `json:"terminals"`
	// Next is the cursor of the following page; empty on the last.
	Next string `json:"next_cursor,omitempty"`
	// Counts are the terminals the filter selects, by status, whatever
	// its own status; Total those it selects with its status.
	Counts map[string]int `json:"counts"`
	Total  int            `json:"total"`
}

// Scope is the store filter of the branches m sees: nil for all.
func Scope(m staff.Member) []string {
	if m.FleetWide() {
		return nil
	}
	return slices.Clone(m.Branches)
}

// storeQuery is the store's form of a filter, within what m sees.
func (q Query) storeQuery(m staff.Member) store.TerminalQuery {
	return store.TerminalQuery{Branches: Scope(m), Branch: q.Branch, Status: q.Status, Kind: q.Kind,
		Version: q.Version, Text: q.Text}
}

// Page returns a page of the terminals m sees that pass the request's
// filter, in its order, with the counts of the whole filter.
func (s *Service) Page(ctx context.Context, m staff.Member, r PageRequest) (Page, error) {
	if err := m.Need(staff.RoleAdmin); err != nil {
		return Page{}, err
	}
	if err := r.Query.Check(); err != nil {
		return Page{}, err
	}
	key, desc, err := r.order()
	if err != nil {
		return Page{}, err
	}
	if r.Limit < 1 || r.Limit > MaxPageSize {
		r.Limit = DefaultPageSize
	}
	q := r.Query.storeQuery(m)
	q.Sort, q.Desc, q.Limit = key, desc, r.Limit+1
	if r.Cursor != "" {
		if q.After, err = decodeCursor(r.Cursor, r.Sort, key); err != nil {
			return Page{}, err
		}
	}
	ts, err := s.Store.TerminalPage(ctx, q)
	if err != nil {
		return Page{}, fmt.Errorf("terminals: list page: %w", err)
	}
	p := Page{Terminals: make([]View, 0, min(len(ts), r.Limit))}
	if len(ts) > r.Limit {
		ts = ts[:r.Limit]
		p.Next = encodeCursor(r.Sort, store.ListKey(key, ts[len(ts)-1]))
	}
	for _, t := range ts {
		p.Terminals = append(p.Terminals, s.View(t))
	}
	if p.Counts, err = s.Store.CountByStatus(ctx, q); err != nil {
		return Page{}, fmt.Errorf("terminals: count by status: %w", err)
	}
	for st, n := range p.Counts {
		if r.Status == "" || st == r.Status {
			p.Total += n
		}
	}
	return p, nil
}

// Matching returns the ids of all terminals m sees that pass a filter.
func (s *Service) Matching(ctx context.Context, m staff.Member, q Query) ([]string, error) {
	if err := m.Need(staff.RoleAdmin); err != nil {
		return nil, err
	}
	if err := q.Check(); err != nil {
		return nil, err
	}
	ids, err := s.Store.TerminalIDs(ctx, q.storeQuery(m))
	if err != nil {
		return nil, fmt.Errorf("terminals: select by filter: %w", err)
	}
	return ids, nil
}

// Matches reports whether a terminal's view passes a filter; the live
// list uses it to tell which changed rows still belong on screen.
func (q Query) Matches(v View) bool {
	if v.Revoked || q.Branch != "" && v.Branch != q.Branch || q.Status != "" && v.Status != q.Status ||
		q.Kind != "" && v.Kind != q.Kind || q.Version != "" && v.AgentVersion != q.Version {
		return false
	}
	if q.Text == "" {
		return true
	}
	t := strings.ToLower(q.Text)
	return strings.Contains(strings.ToLower(v.Name), t) || strings.Contains(strings.ToLower(v.ID), t) ||
		strings.Contains(strings.ToLower(v.Hostname), t)
}

// Counts returns the terminals m sees that pass a filter, by status
// whatever the filter's own, and how many pass it with its status.
func (s *Service) Counts(ctx context.Context, m staff.Member, q Query) (map[string]int, int, error) {
	if err := m.Need(staff.RoleAdmin); err != nil {
		return nil, 0, err
	}
	if err := q.Check(); err != nil {
		return nil, 0, err
	}
	counts, err := s.Store.CountByStatus(ctx, q.storeQuery(m))
	if err != nil {
		return nil, 0, fmt.Errorf("terminals: count by status: %w", err)
	}
	total := 0
	for st, n := range counts {
		if q.Status == "" || st == q.Status {
			total += n
		}
	}
	for _, st := range []string{StatusOnline, StatusInSession, StatusOutOfService, StatusOffline} {
		counts[st] += 0
	}
	return counts, total, nil
}
