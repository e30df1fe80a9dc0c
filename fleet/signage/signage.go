// Package signage is the fleet's info-screen domain: content stored once
// by SHA-256, text and live slides, playlists, schedules to targets,
// urgent notices and proof of play, with the editors' scope rules. It
// builds each screen's manifest; the API, the web pages and the hub's
// pusher are adapters over it.
package signage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"piste/fleet/audit"
	"piste/fleet/changes"
	"piste/fleet/fault"
	"piste/fleet/protocol"
	"piste/fleet/staff"
	"piste/fleet/store"
)

// Service holds the signage rules.
type Service struct {
	Store   *store.Store
	Audit   *audit.Log
	Changes changes.Publisher
	Now     func() time.Time
	// Dir holds the content files, one per SHA-256.
	Dir string
}

// New returns a Service keeping content files under dataDir/signage.
func New(st *store.Store, log *audit.Log, bus changes.Publisher, dataDir string) *Service {
	return &Service{Store: st, Audit: log, Changes: bus, Now: time.Now, Dir: filepath.Join(dataDir, "signage", "content")}
}

// Targets say which screens a schedule or notice reaches: any screen of a
// branch ("*" is every branch, for fleet-wide editors), with a tag, or named.
type Targets struct {
	Branches  []string `json:"branches"`
	Tags      []string `json:"tags"`
	Terminals []string `json:"terminals"`
}

func (t Targets) empty() bool { return len(t.Branches)+len(t.Tags)+len(t.Terminals) == 0 }

// reaches reports whether a screen is targeted; owner bounds a
// branch-scoped editor's tags to their own branches.
func (t Targets) reaches(term store.Terminal, tags []string, owner []string) bool {
	if len(owner) > 0 && !slices.Contains(owner, term.Branch) {
		return false
	}
	if slices.Contains(t.Branches, "*") || slices.Contains(t.Branches, term.Branch) || slices.Contains(t.Terminals, term.ID) {
		return true
	}
	for _, tag := range tags {
		if slices.Contains(t.Tags, tag) {
			return true
		}
	}
	return false
}

// branchesOf returns the branches a member is bound to; none: fleet-wide.
func branchesOf(m staff.Member) []string {
	if m.FleetWide() {
		return nil
	}
	return slices.Sorted(slices.Values(m.Branches))
}

func ownerOf(m staff.Member) string { return strings.Join(branchesOf(m), ",") }

func splitOwner(owner string) []string {
	if owner == "" {
		return nil
	}
	return strings.Split(owner, ",")
}

// visible reports whether a member may use what an owner holds: fleet-wide
// things are everyone's, a branch's are its staff's.
func visible(m staff.Member, owner string) bool {
	if owner == "" || m.FleetWide() {
		return true
	}
	for _, b := range splitOwner(owner) {
		if m.CanSee(b) {
			return true
		}
	}
	return false
}

func needEditor(m staff.Member) error { return m.Need(staff.RoleEditor, staff.RoleAdmin) }

func (s *Service) changed() { s.Changes.Publish(changes.Change{Kind: changes.SignageChanged}) }

// checkTargets refuses targets outside the member's branches, naming the field.
func (s *Service) checkTargets(ctx context.Context, m staff.Member, t Targets) error {
	if t.empty() {
		return fault.Field("targets", "targets must name at least one branch, tag or terminal")
	}
	if len(t.Branches)+len(t.Tags)+len(t.Terminals) > 1000 {
		return fault.Field("targets", "at most 1000 targets")
	}
	for _, b := range t.Branches {
		if b == "*" {
			if !m.FleetWide() {
				return fault.Forbidden("only fleet-wide staff may target every branch (\"*\")")
			}
			continue
		}
		if !m.CanSee(b) {
			return fault.NotFound("branch %q not found", b)
		}
		if _, err := s.Store.Branch(ctx, b); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return fault.NotFound("branch %q not found", b)
			}
			return err
		}
	}
	for _, tag := range t.Tags {
		if tag == "" || utf8.RuneCountInString(tag) > 64 {
			return fault.Field("targets.tags", "a tag is 1 to 64 characters")
		}
	}
	for _, id := range t.Terminals {
		term, err := s.Store.Terminal(ctx, id)
		if errors.Is(err, store.ErrNotFound) || err == nil && !m.CanSee(term.Branch) {
			return fault.NotFound("terminal %q not found", id)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// parseID reads "c12"-style ids of one prefix.
func parseID(prefix, id string) (int64, bool) {
	rest, ok := strings.CutPrefix(id, prefix)
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(rest, 10, 64)
	return n, err == nil && n > 0
}

// Content ids, playlist ids, schedule ids and notice ids.
func contentID(n int64) string  { return fmt.Sprintf("c%d", n) }
func playlistID(n int64) string { return fmt.Sprintf("p%d", n) }
func scheduleID(n int64) string { return fmt.Sprintf("s%d", n) }
func noticeID(n int64) string   { return fmt.Sprintf("n%d", n) }

// ContentPath is where a content file of a digest lives.
func (s *Service) ContentPath(sum string) (string, error) {
	if !protocol.ValidDigest(sum) {
		return "", fault.NotFound("no content %q", sum)
	}
	return filepath.Join(s.Dir, sum[:2], sum), nil
}

// writeBlob stores bytes under their digest once, atomically.
func (s *Service) writeBlob(sum string, data []byte) error {
	path, err := s.ContentPath(sum)
	if err != nil {
		return err
	}
	if _, err := os.Stat(path); err == nil {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return fmt.Errorf("signage: content dir: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".upload-*")
	if err != nil {
		return fmt.Errorf("signage: store content: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("signage: store content: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("signage: store content: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("signage: store content: %w", err)
	}
	return os.Rename(tmp.Name(), path)
}

func (s *Service) record(ctx context.Context, m staff.Member, action, target, detail string) error {
	return s.Audit.Record(ctx, m.Name, action, target, detail)
}

func mustJSON(v any) string {
	raw, _ := json.Marshal(v)
	return string(raw)
}
