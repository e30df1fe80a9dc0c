// Package audit keeps the fleet's audit log: who did what to what. Every
// domain action writes its entry here, and a failed write fails the action's
// answer, so nothing an admin did goes unrecorded without someone hearing.
package audit

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"piste/fleet/store"
)

// Store is the part of the store the audit log uses.
type Store interface {
	Audit(ctx context.Context, e store.AuditEntry) error
	AuditLog(ctx context.Context, limit int) ([]store.AuditEntry, error)
	Terminal(ctx context.Context, id string) (store.Terminal, error)
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
// branch and its terminals.
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
	branches := map[string]string{} // terminal id -> branch
	for _, e := range entries {
		b, err := l.branchOf(ctx, e.Target, branches)
		if err != nil {
			return nil, err
		}
		if b != "" && v.CanSee(b) {
			out = append(out, e)
		}
		if len(out) == limit {
			break
		}
	}
	return out, nil
}

// branchOf finds the branch an entry's target belongs to: a branch id or
// scope, a terminal or terminal scope; "" for targets of no branch.
func (l *Log) branchOf(ctx context.Context, target string, cache map[string]string) (string, error) {
	if b, ok := strings.CutPrefix(target, "branch:"); ok {
		return b, nil
	}
	id := strings.TrimPrefix(target, "terminal:")
	if !strings.HasPrefix(id, "t-") {
		return target, nil // branch ids are the targets of branch actions
	}
	if b, ok := cache[id]; ok {
		return b, nil
	}
	t, err := l.Store.Terminal(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("audit: terminal of an entry: %w", err)
	}
	cache[id] = t.Branch
	return t.Branch, nil
}
