// Package audit keeps the fleet's audit log: who did what to what. Every
// domain action writes its entry here, and a failed write fails the action's
// answer, so nothing an admin did goes unrecorded without someone hearing.
package audit

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"piste/fleet/store"
)

// Store is the part of the store the audit log uses.
type Store interface {
	Audit(ctx context.Context, e store.AuditEntry) error
	AuditLog(ctx context.Context, limit int) ([]store.AuditEntry, error)
	Terminal(ctx context.Context, id string) (store.Terminal, error)
	UserByName(ctx context.Context, name string) (store.User, error)
}

// Viewer is who reads the log; staff.Member is one.
type Viewer interface {
	CanSee(branch string) bool
	FleetWide() bool
}

// Log writes and reads audit entries.
type Log struct {
	Store Store
	Now   func() time.Time
}

// New returns a Log over st.
func New(st Store) *Log { return &Log{Store: st, Now: time.Now} }

// Record writes one entry. The action it records has happened; the
// error says the record of it was lost, and callers return it.
func (l *Log) Record(ctx context.Context, actor, action, target, detail string) error {
	e := store.AuditEntry{At: l.Now(), Actor: actor, Action: action, Target: target, Detail: detail}
	if err := l.Store.Audit(ctx, e); err != nil {
		return fmt.Errorf("audit: record %s of %s by %s: %w", action, target, actor, err)
	}
	return nil
}

// Read returns the newest entries first, at most limit, that v may see: a
// fleet-wide member sees all; a branch-scoped one the entries about its
// branch, its terminals and its staff. An entry whose branch cannot be
// told is shown to fleet-wide members only.
func (l *Log) Read(ctx context.Context, v Viewer, limit int) ([]store.AuditEntry, error) {
	if v.FleetWide() {
		entries, err := l.Store.AuditLog(ctx, limit)
		if err != nil {
			return nil, fmt.Errorf("audit: read: %w", err)
		}
		return entries, nil
	}
	// Entries of other branches are skipped, so read more than asked.
	entries, err := l.Store.AuditLog(ctx, limit*20)
	if err != nil {
		return nil, fmt.Errorf("audit: read: %w", err)
	}
	out := make([]store.AuditEntry, 0, limit)
	cache := map[string][]string{} // "terminal:" or "user:" + id -> branches
	for _, e := range entries {
		bs, err := l.branchOf(ctx, e, cache)
		if err != nil {
			return nil, err
		}
		if slices.ContainsFunc(bs, v.CanSee) {
			out = append(out, e)
		}
		if len(out) == limit {
			break
		}
	}
	return out, nil
}

// What the target of an action names; an action not listed has a scope
// ("branch:ID", "terminal:ID") or a terminal id ("t-…") as its target, or
// belongs to no branch.
var (
	branchActions   = map[string]bool{"guest-passes": true, "enroll-code": true, "branch-add": true}
	terminalActions = map[string]bool{"revoke": true, "reserve": true, "cancel-reservation": true, "enroll": true}
	staffActions    = map[string]bool{"user-add": true, "login": true, "login-failed": true}
)

// branchOf finds the branches an entry is about: one, or a staff account's
// branches, or none.
func (l *Log) branchOf(ctx context.Context, e store.AuditEntry, cache map[string][]string) ([]string, error) {
	switch {
	case branchActions[e.Action]:
		return []string{e.Target}, nil
	case staffActions[e.Action]:
		return l.cached(ctx, "user:"+e.Target, cache)
	case terminalActions[e.Action] || strings.HasPrefix(e.Action, "command:"):
		return l.cached(ctx, "terminal:"+e.Target, cache)
	}
	if b, ok := strings.CutPrefix(e.Target, "branch:"); ok {
		return []string{b}, nil
	}
	if strings.HasPrefix(e.Target, "terminal:") {
		return l.cached(ctx, e.Target, cache)
	}
	if strings.HasPrefix(e.Target, "t-") {
		return l.cached(ctx, "terminal:"+e.Target, cache)
	}
	return nil, nil
}

// cached looks up the branch of a terminal or the branches of a staff
// account ("user:NAME"); a fleet-wide account has none.
func (l *Log) cached(ctx context.Context, key string, cache map[string][]string) ([]string, error) {
	if bs, ok := cache[key]; ok {
		return bs, nil
	}
	var branches []string
	var err error
	if name, ok := strings.CutPrefix(key, "user:"); ok {
		var u store.User
		u, err = l.Store.UserByName(ctx, name)
		branches = u.Branches
	} else {
		var t store.Terminal
		t, err = l.Store.Terminal(ctx, strings.TrimPrefix(key, "terminal:"))
		if t.Branch != "" {
			branches = []string{t.Branch}
		}
	}
	if errors.Is(err, store.ErrNotFound) {
		branches, err = nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("audit: branch of an entry: %w", err)
	}
	cache[key] = branches
	return branches, nil
}
