// Package daemon is the agent's running service: it loads the terminal's
// identity, keeps the fleet link, reports health, runs commands, and serves
// the local API that the kiosk UI and `piste-agent ctl` use.
package daemon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"os/user"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"piste/agent/config"
	"piste/agent/desktop"
	"piste/agent/health"
	"piste/agent/link"
	"piste/agent/localapi"
	"piste/agent/outbox"
	"piste/agent/session"
	"piste/agent/signage"
	"piste/agent/state"
	"piste/agent/update"
	"piste/agent/wipe"
	"piste/fleet/protocol"
)

// ErrRestart asks the caller to start the agent afresh (restart_agent).
var ErrRestart = errors.New("restart requested by the fleet")

// Options configure a Daemon.
type Options struct {
	StateDir string
	Version  string
	Log      *slog.Logger
	// PowerDryRun logs reboot and shutdown commands instead of running
	// them: for demos and tests on a machine that must stay up.
	PowerDryRun bool
	// KioskUser is the OS account whose session runs the kiosk UI; it may
	// use the local API. Empty: the policy's session.kiosk_user when that
	// account exists here, else only root and the agent's own user.
	KioskUser string
	// Wiper runs the privacy wipe; nil means the platform's engine with its
	// private data in the state dir.
	Wiper session.Wiper
	// Local is the terminal's own config: the visitor accounts, skeletons
	// and extra paths a policy may choose from. nil means config.Default.
	Local *config.Config
	// Desktop applies the visitor's accessibility choices to their desktop
	// session (text size, contrast, magnifier, screen reader); nil leaves
	// the desktop alone.
	Desktop desktop.Applier
	// SignageBudget is the disk an info screen's content may take; zero
	// means signage.DefaultBudget.
	SignageBudget int64
	// UpdateHealthTimeout is how long an installed update has to reach
	// the fleet before it is rolled back (default 2 minutes).
	UpdateHealthTimeout time.Duration
	// Socket is the local API's socket; empty means state.SocketFile in
	// the state dir. A package puts it where only the kiosk account can
	// reach it.
	Socket string
	// IdleDisplay is the X display of the visitor's session; when set,
	// input there (typing in a browser) counts as visitor activity.
	IdleDisplay string
}

// Daemon is one running agent.
type Daemon struct {
	opts    Options
	cfg     state.Config
	local   config.Config
	outbox  *outbox.File
	link    *link.Link
	session *session.Machine
	fleet   *session.HTTPFleet // the visitor calls that are not the state machine's (Reserve)
	health  *health.Sampler
	signage *signage.Agent // info screens only
	updater *update.Updater
	log     *slog.Logger

	heartbeat chan time.Duration
	restart   chan struct{}

	mu           sync.Mutex
	status       localapi.Status
	watchers     map[chan localapi.Status]struct{}
	policyReport string // the last policy result sent to the fleet
	helpClosedAt time.Time
	desktopSet   desktop.Settings
	desktopCh    chan desktop.Settings // the newest settings for the desktop, applied in order by one goroutine
}

// New loads the state dir and opens the outbox.
func New(opts Options) (*Daemon, error) {
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	cfg, token, err := state.Load(opts.StateDir)
	if err != nil {
		return nil, err
	}
	server, err := url.Parse(cfg.Server)
	if err != nil {
		return nil, fmt.Errorf("state: server %q: %w", cfg.Server, err)
	}
	ob, err := outbox.Open(opts.StateDir)
	if err != nil {
		return nil, err
	}
	d := &Daemon{opts: opts, cfg: cfg, outbox: ob, health: health.NewSampler(), log: opts.Log,
		heartbeat: make(chan time.Duration, 1), restart: make(chan struct{}, 1),
		watchers: map[chan localapi.Status]struct{}{}}
	if opts.Desktop != nil {
		d.desktopCh = make(chan desktop.Settings, 1)
	}
	d.status = localapi.Status{State: localapi.StateIdle, TerminalID: cfg.TerminalID, Name: cfg.Name,
		Kind: cfg.Kind, Version: opts.Version, Link: localapi.Link{Server: cfg.Server}}
	d.local = config.Default()
	if opts.Local != nil {
		d.local = *opts.Local
	}
	if len(d.local.VisitorAccounts) == 0 || len(d.local.Skeletons) == 0 {
		ob.Close()
		return nil, fmt.Errorf("agent config %s allows no visitor account or no skeleton", d.local.File)
	}
	pol, err := loadPolicy(opts.StateDir)
	if err != nil {
		d.log.Warn("saved policy", "err", err)
	}
	pol = d.startPolicy(pol)
	if d.opts.KioskUser == "" && userExists(pol.Session.KioskUser) {
		d.opts.KioskUser = pol.Session.KioskUser
	}
	wiper := opts.Wiper
	if wiper == nil {
		wiper = wipe.NewWithOptions(wipe.Options{StateDir: filepath.Join(opts.StateDir, "wipe")})
	}
	wiper = guardedWiper{local: d.local, next: wiper}
	d.fleet = session.NewHTTPFleet(server, token, link.HTTPClient(cfg.Fingerprint))
	d.session = session.New(session.Config{
		Fleet: d.fleet, Wiper: wiper,
		Emit: d.emit, Publish: d.update, StateDir: opts.StateDir, Policy: pol, Log: opts.Log,
	})
	if err := d.openSignage(server, token); err != nil {
		ob.Close()
		return nil, err
	}
	host, _ := os.Hostname()
	d.link, err = link.New(link.Config{
		Server: server, Token: token, Pin: cfg.Fingerprint, Outbox: ob, Commands: ob, Log: opts.Log,
		Hello:     protocol.Hello{AgentVersion: opts.Version, Kind: cfg.Kind, Hostname: host, OS: runtime.GOOS + "/" + runtime.GOARCH, MAC: health.MAC()},
		OnCommand: d.runCommand,
		OnWelcome: d.welcome,
		OnStatus:  d.linkStatus,
		OnAck: func(upTo uint64) {
			d.update(func(s *localapi.Status) { s.OutboxPending = ob.Len() })
			d.updater.Acked(upTo)
		},
		OnPolicy: d.applyPolicy,
		OnNotice: func(n protocol.Notice) {
			if n.Kind == protocol.NoticeUpdate {
				d.updateNotice(n)
				return
			}
			d.notice(n)
		},
	})
	if err == nil {
		err = d.newUpdater(server, token)
	}
	if err != nil {
		ob.Close()
		return nil, err
	}
	return d, nil
}

// Run serves until ctx ends. It returns ErrRestart when the fleet asked
// for a restart.
func (d *Daemon) Run(ctx context.Context) error {
	defer d.outbox.Close()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	d.log.Info("agent starting", "terminal", d.cfg.TerminalID, "server", d.cfg.Server, "version", d.opts.Version)

	var wg sync.WaitGroup
	run := func(fn func()) { wg.Add(1); go func() { defer wg.Done(); fn() }() }
	run(func() { d.health.Run(ctx, 5*time.Second) })
	run(func() { d.reportHealth(ctx) })
	// A wipe in progress is finished before the agent stops; one cut short
	// by a power cut is redone at the next start (the session marker).
	defer d.session.Wait()
	d.session.Start()
	d.updater.Start()
	run(func() { d.updater.Run(ctx) })
	run(func() { d.tick(ctx) })
	if d.desktopCh != nil {
		run(func() { d.runDesktop(ctx) })
	}
	d.reportPowerSpan()
	run(func() { d.powerSchedule(ctx) })
	if d.signage != nil {
		run(func() { d.signage.Run(ctx) })
	}
	if d.opts.IdleDisplay != "" {
		run(func() { d.watchInput(ctx) })
	}
	run(func() {
		if err := d.link.Run(ctx); errors.Is(err, link.ErrRevoked) {
			d.session.OutOfService("revoked")
		}
	})
	stopAPI, err := d.serveLocal(ctx)
	if err != nil {
		cancel()
		wg.Wait()
		return err
	}
	defer stopAPI()

	var result error
	select {
	case <-ctx.Done():
	case <-d.restart:
		result = ErrRestart
	}
	cancel()
	wg.Wait()
	d.log.Info("agent stopped")
	return result
}

// emit appends an event to the outbox; the link delivers it.
func (d *Daemon) emit(kind string, data any) {
	raw, err := json.Marshal(data)
	if err != nil {
		d.log.Error("encode event", "kind", kind, "err", err)
		return
	}
	if _, err := d.outbox.Append(kind, time.Now(), raw); err != nil {
		d.log.Error("append event", "kind", kind, "err", err)
		return
	}
	d.update(func(s *localapi.Status) { s.OutboxPending = d.outbox.Len() })
}

// tick runs the session clock: the agent's own, so sessions end on time
// whether or not the fleet is reachable.
func (d *Daemon) tick(ctx context.Context) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			d.session.Tick()
			d.helpTick(now)
		}
	}
}

func userExists(name string) bool {
	if name == "" {
		return false
	}
	_, err := user.Lookup(name)
	return err == nil
}

func (d *Daemon) welcome(w protocol.Welcome) {
	d.updater.Welcome()
	select {
	case d.heartbeat <- time.Duration(w.HeartbeatSeconds) * time.Second:
	default:
	}
}

func (d *Daemon) linkStatus(ls link.Status) {
	d.session.SetLinkDown(ls.Down())
	d.update(func(s *localapi.Status) {
		s.Link = localapi.Link{Server: d.cfg.Server, Connected: ls.Connected, Revoked: ls.Revoked,
			LastConnected: ls.LastConnected, LastError: ls.LastError, Attempts: ls.Attempts}
	})
}

// reportHealth sends a health sample every heartbeat (with jitter), the
// interval being the fleet's latest word.
func (d *Daemon) reportHealth(ctx context.Context) {
	interval := 30 * time.Second
	timer := time.NewTimer(2 * time.Second) // first sample once CPU has been measured
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case interval = <-d.heartbeat:
			continue
		case <-timer.C:
		}
		h := d.health.Sample(ctx)
		d.emit(protocol.EventHealth, h)
		d.update(func(s *localapi.Status) {
			s.Health = &localapi.Health{At: time.Now().UTC(), CPUPercent: h.CPUPercent, MemUsedPercent: h.MemUsedPercent,
				DiskUsedPercent: h.DiskUsedPercent, UptimeSeconds: h.UptimeSeconds, AgentRSSBytes: h.AgentRSSBytes}
		})
		timer.Reset(link.Jitter(interval))
	}
}
