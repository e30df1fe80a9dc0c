// Package releases is how the fleet updates its terminals: it keeps signed
// agent releases (verified on upload against the fleet's trusted keys,
// stored on disk and streamed, never held in memory), and runs rollouts in
// waves by branch and share of terminals, pausing by itself when too many
// updated terminals fail to come back. The terminals check every release
// against their own key again: the fleet cannot vouch for one.
package releases

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"aead.dev/minisign"

	"piste/fleet/audit"
	"piste/fleet/changes"
	"piste/fleet/fault"
	"piste/fleet/protocol"
	"piste/fleet/staff"
	"piste/fleet/store"
	"piste/internal/release"
)

// Store is the part of the store releases and rollouts use.
type Store interface {
	AddRelease(ctx context.Context, r store.Release) error
	Release(ctx context.Context, version, os, arch string) (store.Release, error)
	Releases(ctx context.Context) ([]store.Release, error)
	AddRollout(ctx context.Context, r store.Rollout) (int64, error)
	Rollout(ctx context.Context, id int64) (store.Rollout, error)
	Rollouts(ctx context.Context) ([]store.Rollout, error)
	SetRolloutStatus(ctx context.Context, id int64, status, reason string, now time.Time, from ...string) (bool, error)
	OfferRollout(ctx context.Context, rows []store.RolloutTerminal) error
	SetRolloutTerminal(ctx context.Context, r store.RolloutTerminal, from ...string) (bool, error)
	RolloutTerminal(ctx context.Context, rolloutID int64, terminalID string) (store.RolloutTerminal, error)
	RolloutTerminals(ctx context.Context, rolloutID int64) ([]store.RolloutTerminal, error)
	TerminalRollouts(ctx context.Context, terminalID string) ([]store.RolloutTerminal, error)
	Terminals(ctx context.Context, branch string) ([]store.Terminal, error)
	Terminal(ctx context.Context, id string) (store.Terminal, error)
	Branch(ctx context.Context, id string) (store.Branch, error)
	Branches(ctx context.Context) ([]store.Branch, error)
}

// Link sends frames to connected terminals; *hub.Hub is one.
type Link interface {
	Send(terminalID, typ string, body any) bool
	OnlineIDs() []string
}

// Service holds what releases and rollouts need.
type Service struct {
	Store Store
	// Link is nil where no server runs (the CLI on the data directory):
	// terminals hear of rollouts at their next connect.
	Link    Link
	Audit   *audit.Log
	Changes changes.Publisher
	Now     func() time.Time
	Log     *slog.Logger
	// Dir holds the release files.
	Dir string
	// Keys are the fleet's trusted release keys; an upload must verify
	// with one of them.
	Keys []minisign.PublicKey
	// BytesSent counts release bytes served to terminals.
	BytesSent atomic.Int64
}

// DirName is the folder of release files inside the data directory.
const DirName = "releases"

// KeysFileName is the file of trusted keys the fleet reads from its data
// directory unless told another.
const KeysFileName = "release-keys"

// New returns a Service storing release files in dataDir/releases.
func New(st Store, dataDir string, log *audit.Log) *Service {
	return &Service{Store: st, Audit: log, Changes: changes.Discard, Now: time.Now, Log: slog.Default(),
		Dir: filepath.Join(dataDir, DirName)}
}

// LoadKeys reads the trusted keys from path, or from the data directory's
// release-keys file when path is empty and that file exists.
func (s *Service) LoadKeys(dataDir, path string) error {
	if path == "" {
		path = filepath.Join(dataDir, KeysFileName)
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			return nil
		}
	}
	keys, err := release.ReadPublicKeys(path)
	if err != nil {
		return err
	}
	s.Keys = keys
	return nil
}

// Upload is a release being added: its platform and version as the admin
// names them (the signed manifest inside must agree).
type Upload struct {
	Version string
	OS      string
	Arch    string
}

// Add stores a release after checking its signature against the fleet's
// trusted keys and its manifest against the named version and platform.
// The file is streamed to disk; nothing is kept of a refused one.
func (s *Service) Add(ctx context.Context, m staff.Member, up Upload, file io.Reader, sig []byte) (store.Release, error) {
	var rel store.Release
	if err := needFleetAdmin(m); err != nil {
		return rel, err
	}
	if err := up.check(); err != nil {
		return rel, err
	}
	if len(s.Keys) == 0 {
		return rel, fault.Conflict("the fleet has no trusted release key: put the key line of piste-release.pub in the data directory's %s file (or --release-keys) and restart", KeysFileName)
	}
	if _, err := s.Store.Release(ctx, up.Version, up.OS, up.Arch); err == nil {
		return rel, fault.Conflict("release %s for %s/%s exists already; releases are never replaced, give a new version", up.Version, up.OS, up.Arch)
	}
	tmp, sum, size, err := s.receive(file, sig)
	if err != nil {
		return rel, err
	}
	defer os.Remove(tmp)
	if err := checkManifest(tmp, up); err != nil {
		return rel, err
	}
	name := fmt.Sprintf("%s_%s_%s.tar.gz", up.Version, up.OS, up.Arch)
	if err := os.Rename(tmp, filepath.Join(s.Dir, name)); err != nil {
		return rel, fmt.Errorf("releases: keep %s: %w", name, err)
	}
	rel = store.Release{Version: up.Version, OS: up.OS, Arch: up.Arch, SHA256: sum, Size: size,
		Signature: string(sig), File: name, AddedBy: m.Name, AddedAt: s.Now().UTC()}
	if err := s.Store.AddRelease(ctx, rel); err != nil {
		os.Remove(filepath.Join(s.Dir, name))
		if errors.Is(err, store.ErrConflict) {
			return rel, fault.Conflict("release %s for %s/%s exists already", up.Version, up.OS, up.Arch)
		}
		return rel, err
	}
	s.Changes.Publish(changes.Change{Kind: changes.ReleasesChanged})
	return rel, s.Audit.Record(ctx, m.Name, "release:add", up.Version, fmt.Sprintf("%s/%s sha256 %s, %d bytes", up.OS, up.Arch, sum, size))
}

func (up Upload) check() error {
	v, err := release.ParseVersion(up.Version)
	if err != nil {
		return fault.Field("version", "%v", err)
	}
	if v.String() != up.Version {
		return fault.Field("version", "write the version as %s", v.String())
	}
	m := release.Manifest{Version: up.Version, OS: up.OS, Arch: up.Arch}
	if err := m.Check(); err != nil {
		return fault.Field("os", "os and arch must be words like linux and amd64, got %q/%q", up.OS, up.Arch)
	}
	return nil
}

// receive streams an upload into a temporary file of the releases folder,
// hashing it and verifying its signature on the way.
func (s *Service) receive(file io.Reader, sig []byte) (tmp, sum string, size int64, err error) {
	v, r, err := release.NewVerifier(file, sig)
	if err != nil {
		return "", "", 0, fault.Field("signature", "%v", err)
	}
	if err := os.MkdirAll(s.Dir, 0o700); err != nil {
		return "", "", 0, fmt.Errorf("releases: %w", err)
	}
	f, err := os.CreateTemp(s.Dir, ".upload-*")
	if err != nil {
		return "", "", 0, fmt.Errorf("releases: %w", err)
	}
	h := sha256.New()
	size, err = io.Copy(io.MultiWriter(f, h), io.LimitReader(r, protocol.MaxReleaseBytes+1))
	if err == nil {
		err = f.Sync()
	}
	err = errors.Join(err, f.Close())
	switch {
	case err != nil:
		os.Remove(f.Name())
		return "", "", 0, fmt.Errorf("releases: receive upload: %w", err)
	case size > protocol.MaxReleaseBytes:
		os.Remove(f.Name())
		return "", "", 0, fault.Field("file", "a release may be at most %d MB", protocol.MaxReleaseBytes>>20)
	case size == 0:
		os.Remove(f.Name())
		return "", "", 0, fault.Field("file", "the release file is empty")
	}
	if err := v.Check(s.Keys...); err != nil {
		os.Remove(f.Name())
		return "", "", 0, fault.Field("signature", "refused: the %s (tampered file, wrong signature or another key)", err)
	}
	return f.Name(), hex.EncodeToString(h.Sum(nil)), size, nil
}

func checkManifest(path string, up Upload) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("releases: %w", err)
	}
	defer f.Close()
	m, err := release.ReadManifest(f)
	if err != nil {
		return fault.Field("file", "%v", err)
	}
	if m.Version != up.Version || m.OS != up.OS || m.Arch != up.Arch {
		return fault.Field("version", "the signed release is %s for %s/%s, not %s for %s/%s", m.Version, m.OS, m.Arch, up.Version, up.OS, up.Arch)
	}
	return nil
}

// List returns every release; any admin may read them.
func (s *Service) List(ctx context.Context, m staff.Member) ([]store.Release, error) {
	if err := m.Need(staff.RoleAdmin); err != nil {
		return nil, err
	}
	return s.Store.Releases(ctx)
}

// Open returns a release's file for a terminal to download, with its
// record (for the hash and size).
func (s *Service) Open(ctx context.Context, version, os_, arch string) (*os.File, store.Release, error) {
	rel, err := s.Store.Release(ctx, version, os_, arch)
	if errors.Is(err, store.ErrNotFound) {
		return nil, rel, fault.NotFound("no release %s for %s/%s", version, os_, arch)
	}
	if err != nil {
		return nil, rel, err
	}
	f, err := os.Open(filepath.Join(s.Dir, filepath.Base(rel.File)))
	if err != nil {
		return nil, rel, fmt.Errorf("releases: open %s: %w", rel.File, err)
	}
	return f, rel, nil
}

func needFleetAdmin(m staff.Member) error {
	if err := m.Need(staff.RoleAdmin); err != nil {
		return err
	}
	if !m.FleetWide() {
		return fault.Forbidden("only a fleet-wide admin adds releases: a release can reach every branch")
	}
	return nil
}
