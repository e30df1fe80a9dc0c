package update

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"aead.dev/minisign"

	"piste/fleet/protocol"
	"piste/internal/release"
)

// Config is what an Updater needs of the agent.
type Config struct {
	StateDir string
	// PublicKey is update_public_key of the local agent config; empty
	// refuses every update.
	PublicKey string
	// Running is this binary's version.
	Running string
	Server  *url.URL
	Token   string
	Client  *http.Client
	// Append adds an event to the outbox and returns its sequence number.
	Append func(kind string, data any) (uint64, error)
	// Idle reports whether no visitor session runs or is being closed.
	Idle func() bool
	// Restart asks the agent to start afresh from the packaged binary,
	// which hands over to the installed release.
	Restart func()
	// HealthTimeout is how long a new version has to reach the fleet.
	HealthTimeout time.Duration
	Log           *slog.Logger
	// IdlePoll is how often a staged release checks for no session.
	IdlePoll time.Duration
}

// Updater carries out the fleet's update offers on this terminal.
type Updater struct {
	cfg    Config
	dir    string
	key    minisign.PublicKey
	hasKey bool
	offers chan protocol.UpdateOffer

	mu         sync.Mutex
	healthySeq uint64
}

// New checks cfg's key and returns an Updater.
func New(cfg Config) (*Updater, error) {
	u := &Updater{cfg: cfg, dir: Dir(cfg.StateDir), offers: make(chan protocol.UpdateOffer, 1)}
	if cfg.Log == nil {
		u.cfg.Log = slog.Default()
	}
	if cfg.HealthTimeout <= 0 {
		u.cfg.HealthTimeout = 2 * time.Minute
	}
	if cfg.IdlePoll <= 0 {
		u.cfg.IdlePoll = time.Second
	}
	if cfg.PublicKey != "" {
		k, err := release.ParsePublicKey(cfg.PublicKey)
		if err != nil {
			return nil, fmt.Errorf("update_public_key %v", err)
		}
		u.key, u.hasKey = k, true
	}
	if err := os.MkdirAll(u.dir, 0o700); err != nil {
		return nil, fmt.Errorf("update: %w", err)
	}
	return u, nil
}

// Start sends the report a previous run left (a rollback, a revert).
func (u *Updater) Start() {
	var r protocol.UpdateReport
	path := filepath.Join(u.dir, reportFile)
	ok, err := readJSON(path, &r)
	if err != nil {
		u.cfg.Log.Warn("update report left by the last run", "err", err)
	}
	if ok {
		r.Running = u.cfg.Running
		if _, err := u.cfg.Append(protocol.EventUpdate, r); err == nil {
			os.Remove(path)
		}
		u.cfg.Log.Warn("update outcome of the last run", "version", r.Version, "status", r.Status, "detail", r.Detail)
	}
}

// Offer takes an update notice from the fleet; the newest offer wins.
func (u *Updater) Offer(o protocol.UpdateOffer) {
	for {
		select {
		case u.offers <- o:
			return
		default:
		}
		select {
		case <-u.offers:
		default:
		}
	}
}

// Welcome tells the updater the link reached the fleet: a version on
// trial reports itself healthy.
func (u *Updater) Welcome() {
	t, ok, err := ReadTrial(u.dir)
	if err != nil || !ok || t.Version != u.cfg.Running {
		return
	}
	seq, err := u.cfg.Append(protocol.EventUpdate, protocol.UpdateReport{RolloutID: t.RolloutID, Version: t.Version,
		Status: protocol.UpdateHealthy, Running: u.cfg.Running})
	if err != nil {
		u.cfg.Log.Error("report healthy", "err", err)
		return
	}
	u.mu.Lock()
	u.healthySeq = seq
	u.mu.Unlock()
}

// Acked tells the updater the fleet stored events up to upTo: once it has
// the healthy report, the trial is over and the launcher keeps this version.
func (u *Updater) Acked(upTo uint64) {
	u.mu.Lock()
	seq := u.healthySeq
	if seq > 0 && upTo >= seq {
		u.healthySeq = 0
	}
	u.mu.Unlock()
	if seq > 0 && upTo >= seq {
		if err := os.Remove(filepath.Join(u.dir, trialFile)); err == nil {
			u.cfg.Log.Info("update healthy", "version", u.cfg.Running)
		}
	}
}

// Run carries out offers until ctx ends.
func (u *Updater) Run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case o := <-u.offers:
			if err := o.Validate(); err != nil {
				u.cfg.Log.Warn("update offer ignored", "err", err)
				continue
			}
			if o.Rollback {
				u.revert(ctx, o)
			} else {
				u.update(ctx, o)
			}
		}
	}
}

func (u *Updater) report(o protocol.UpdateOffer, status protocol.UpdateStatus, detail string) {
	if status == protocol.UpdateRefused || status == protocol.UpdateFailed {
		u.cfg.Log.Warn("update "+string(status), "version", o.Version, "detail", detail)
	} else {
		u.cfg.Log.Info("update "+string(status), "version", o.Version)
	}
	_, err := u.cfg.Append(protocol.EventUpdate, protocol.UpdateReport{RolloutID: o.RolloutID, Version: o.Version,
		Status: status, Running: u.cfg.Running, Detail: detail})
	if err != nil {
		u.cfg.Log.Error("report update", "err", err)
	}
}

func (u *Updater) update(ctx context.Context, o protocol.UpdateOffer) {
	switch {
	case o.Version == u.cfg.Running:
		return
	case !u.hasKey:
		u.report(o, protocol.UpdateRefused, "this terminal's agent config has no update_public_key, so it installs no updates")
		return
	case !release.Newer(o.Version, u.cfg.Running):
		u.report(o, protocol.UpdateRefused, fmt.Sprintf("%s is not newer than the running %s: an agent goes back only when an admin rolls back", o.Version, u.cfg.Running))
		return
	}
	if why, bad := loadRefused(u.dir)[o.Version]; bad {
		u.cfg.Log.Info("update offer of a version that failed here before", "version", o.Version, "why", why)
		return
	}
	if err := u.stage(ctx, o); err != nil {
		if ctx.Err() != nil {
			return
		}
		status := protocol.UpdateFailed
		if errors.Is(err, release.ErrBadSignature) || errors.Is(err, release.ErrArtifact) || errors.Is(err, ErrHash) {
			status = protocol.UpdateRefused
		}
		u.report(o, status, err.Error())
		return
	}
	u.report(o, protocol.UpdateStaged, "")
	if !u.waitIdle(ctx, o) {
		return
	}
	if err := u.install(o); err != nil {
		u.report(o, protocol.UpdateFailed, err.Error())
		return
	}
	u.report(o, protocol.UpdateInstalling, "")
	u.cfg.Restart()
}

// stage downloads, verifies and unpacks a release into releases/VERSION,
// unless it is there already (only verified releases ever are).
func (u *Updater) stage(ctx context.Context, o protocol.UpdateOffer) error {
	final := filepath.Join(u.dir, o.Version)
	if _, err := os.Stat(binary(u.dir, o.Version)); err == nil {
		return nil
	}
	if err := os.MkdirAll(filepath.Join(u.dir, downloadDir), 0o700); err != nil {
		return fmt.Errorf("update: %w", err)
	}
	file := filepath.Join(u.dir, downloadDir, o.Version+".tar.gz")
	if err := download(ctx, u.cfg.Client, u.cfg.Server, u.cfg.Token, o, file); err != nil {
		return err
	}
	if err := u.verify(file, o.Signature); err != nil {
		os.Remove(file)
		addRefused(u.dir, o.Version, err.Error())
		return err
	}
	tmp := filepath.Join(u.dir, "."+o.Version+".unpack")
	os.RemoveAll(tmp)
	m, err := extract(file, tmp)
	if err == nil && (m.Version != o.Version || m.OS != runtime.GOOS || m.Arch != runtime.GOARCH) {
		err = fmt.Errorf("%w: the signed release is %s for %s/%s, offered as %s for %s/%s", release.ErrArtifact,
			m.Version, m.OS, m.Arch, o.Version, runtime.GOOS, runtime.GOARCH)
	}
	if err != nil {
		os.RemoveAll(tmp)
		os.Remove(file)
		addRefused(u.dir, o.Version, err.Error())
		return err
	}
	os.RemoveAll(final)
	if err := os.Rename(tmp, final); err != nil {
		return fmt.Errorf("update: %w", err)
	}
	os.Remove(file)
	return nil
}

// verify checks a downloaded file against the terminal's own key.
func (u *Updater) verify(file, sig string) error {
	f, err := os.Open(file)
	if err != nil {
		return fmt.Errorf("update: %w", err)
	}
	defer f.Close()
	v, r, err := release.NewVerifier(f, []byte(sig))
	if err != nil {
		return err
	}
	if _, err := ioCopyDiscard(r); err != nil {
		return fmt.Errorf("update: read %s: %w", file, err)
	}
	if err := v.Check(u.key); err != nil {
		return fmt.Errorf("%w of this terminal (update_public_key): tampered file, wrong signature or another key", err)
	}
	return nil
}

func extract(file, dir string) (release.Manifest, error) {
	f, err := os.Open(file)
	if err != nil {
		return release.Manifest{}, err
	}
	defer f.Close()
	return release.Extract(f, dir)
}

// waitIdle waits until no visitor session runs. It gives up when ctx ends
// or a newer offer arrives (which it leaves for Run).
func (u *Updater) waitIdle(ctx context.Context, o protocol.UpdateOffer) bool {
	logged := false
	for {
		if u.cfg.Idle() {
			return true
		}
		if !logged {
			u.cfg.Log.Info("update waits for the visitor session to end", "version", o.Version)
			logged = true
		}
		select {
		case <-ctx.Done():
			return false
		case next := <-u.offers:
			u.Offer(next)
			if next != o {
				return false
			}
		case <-time.After(u.cfg.IdlePoll):
		}
	}
}

// install swaps the staged version in: the running one becomes previous,
// and the new one is on trial until it reaches the fleet.
func (u *Updater) install(o protocol.UpdateOffer) error {
	prev := ""
	if linkVersion(u.dir, currentLink) == u.cfg.Running {
		prev = u.cfg.Running
	}
	if err := setLink(u.dir, previousLink, prev); err != nil {
		return err
	}
	t := Trial{Version: o.Version, From: u.cfg.Running, RolloutID: o.RolloutID, Started: time.Now().UTC(), Deadline: Duration(u.cfg.HealthTimeout)}
	if err := writeJSON(filepath.Join(u.dir, trialFile), t); err != nil {
		return err
	}
	if err := setLink(u.dir, currentLink, o.Version); err != nil {
		os.Remove(filepath.Join(u.dir, trialFile))
		return err
	}
	u.prune(o.Version, prev)
	return nil
}

// prune removes unpacked releases other than keep.
func (u *Updater) prune(keep ...string) {
	entries, _ := os.ReadDir(u.dir)
	for _, e := range entries {
		if !e.IsDir() || e.Name()[0] == '.' {
			continue
		}
		if _, err := release.ParseVersion(e.Name()); err != nil {
			continue
		}
		kept := false
		for _, k := range keep {
			kept = kept || k == e.Name()
		}
		if !kept {
			os.RemoveAll(filepath.Join(u.dir, e.Name()))
		}
	}
}

// revert goes back from o.Version to the version before it, as an admin
// asked; a terminal not running o.Version only drops it.
func (u *Updater) revert(ctx context.Context, o protocol.UpdateOffer) {
	addRefused(u.dir, o.Version, "rolled back by an admin")
	if u.cfg.Running != o.Version {
		if linkVersion(u.dir, currentLink) != o.Version {
			os.RemoveAll(filepath.Join(u.dir, o.Version))
		}
		u.report(o, protocol.UpdateReverted, "not installed here")
		return
	}
	if !u.waitIdle(ctx, o) {
		return
	}
	prev := linkVersion(u.dir, previousLink)
	err := setLink(u.dir, currentLink, prev)
	if err == nil {
		err = setLink(u.dir, previousLink, "")
	}
	if err == nil {
		os.Remove(filepath.Join(u.dir, trialFile))
		err = saveReport(u.dir, protocol.UpdateReport{RolloutID: o.RolloutID, Version: o.Version, Status: protocol.UpdateReverted,
			Detail: "went back to " + o.RollbackTo + " as an admin asked"})
	}
	if err != nil {
		u.report(o, protocol.UpdateFailed, "roll back: "+err.Error())
		return
	}
	u.cfg.Restart()
}
