package wipe

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"piste/fleet/protocol"
)

// Trigger says why a session ended and the wipe ran. It is the wire type,
// so a receipt means the same on both sides.
type Trigger = protocol.WipeTrigger

// The triggers a session can end with.
const (
	TriggerVisitorEnd = protocol.TriggerVisitorEnd
	TriggerTimeout    = protocol.TriggerTimeout
	TriggerIdle       = protocol.TriggerIdle
	TriggerClosing    = protocol.TriggerClosing
	TriggerRemote     = protocol.TriggerRemote
	TriggerRecovery   = protocol.TriggerRecovery
)

// Triggers lists every known trigger.
var Triggers = []Trigger{TriggerVisitorEnd, TriggerTimeout, TriggerIdle, TriggerClosing, TriggerRemote, TriggerRecovery}

// Strategy names how the home directory is put back to the skeleton
// (see protocol.WipeStrategy for each).
type Strategy = protocol.WipeStrategy

// The home reset strategies.
const (
	StrategyTmpfs   = protocol.StrategyTmpfs
	StrategyOverlay = protocol.StrategyOverlay
	StrategyFiles   = protocol.StrategyFiles
)

// DefaultGrace is how long processes get between SIGTERM and SIGKILL when a
// request does not say.
const DefaultGrace = 2 * time.Second

// DefaultHomeMode is the permission of the home directory itself.
const DefaultHomeMode = 0o700

// Request is one wipe of one visitor account.
type Request struct {
	SessionID string
	Trigger   Trigger
	// User is the kiosk OS account, e.g. "piste-visitor".
	User string
	// Home is the account's home; empty means the one in the passwd database.
	Home string
	// Skeleton is the directory the home is reset to, e.g. /etc/skel.
	Skeleton string
	// ExtraPaths are swept like /tmp: files owned by the user are removed,
	// directories owned by the user are removed whole.
	ExtraPaths []string
	// Grace is the time between SIGTERM and SIGKILL; 0 means DefaultGrace.
	Grace time.Duration
	// Strategy forces a home reset strategy; empty picks the first usable one.
	Strategy Strategy
	// HomeMode is the permission of the home directory; 0 means DefaultHomeMode.
	HomeMode uint32
}

// Engine wipes a visitor account at the end of a session.
type Engine interface {
	// Wipe ends the user's processes, resets the home to the skeleton,
	// removes the user's temporary files and print jobs, then verifies the
	// result independently. Any failure leaves Receipt.Verified false: the
	// caller must then put the terminal out of service.
	Wipe(ctx context.Context, req Request) Receipt
	// Strategies lists the home reset strategies usable on this machine,
	// in the order the engine prefers them.
	Strategies() []Strategy
}

// Options tune an engine. The zero value is the production setting.
type Options struct {
	// StateDir holds the engine's private data (overlay lower copies, probe
	// mounts). It must be on a local disk and reachable by root only.
	StateDir string
	// TmpfsSize limits each tmpfs the engine mounts for a home (tmpfs
	// "size=" syntax, e.g. "2g" or "25%"). Empty means "25%".
	TmpfsSize string
	// KeepImmutable stops the engine from clearing immutable and
	// append-only attributes; such files then fail the wipe.
	KeepImmutable bool
	// KillTimeout bounds the SIGKILL phase; 0 means 5 seconds.
	KillTimeout time.Duration
	// CommandTimeout bounds each helper command (loginctl, crontab,
	// cancel); 0 means 10 seconds.
	CommandTimeout time.Duration
}

// DefaultStateDir is where the engine keeps its private data.
const DefaultStateDir = "/var/lib/piste/wipe"

func (o Options) withDefaults() Options {
	if o.StateDir == "" {
		o.StateDir = DefaultStateDir
	}
	if o.TmpfsSize == "" {
		o.TmpfsSize = "25%"
	}
	if o.KillTimeout == 0 {
		o.KillTimeout = 5 * time.Second
	}
	if o.CommandTimeout == 0 {
		o.CommandTimeout = 10 * time.Second
	}
	return o
}

// validate checks what can be checked without the operating system. home is
// the resolved home directory.
func (r Request) validate(home string) error {
	if r.User == "" {
		return fmt.Errorf("wipe: request has no user: set Request.User to the kiosk account")
	}
	if strings.ContainsAny(r.User, "/\\\x00") || r.User == "." || r.User == ".." {
		return fmt.Errorf("wipe: user name %q is not a plain account name", r.User)
	}
	if err := checkDir("home", home); err != nil {
		return err
	}
	if err := checkDir("skeleton", r.Skeleton); err != nil {
		return err
	}
	if within(home, r.Skeleton) || within(r.Skeleton, home) {
		return fmt.Errorf("wipe: home %q and skeleton %q overlap: keep the skeleton outside the home", home, r.Skeleton)
	}
	for _, p := range r.ExtraPaths {
		if err := checkDir("extra path", p); err != nil {
			return err
		}
	}
	if r.HomeMode&^0o7777 != 0 {
		return fmt.Errorf("wipe: home mode %o has bits beyond 07777", r.HomeMode)
	}
	return nil
}

// checkTrigger is kept apart from validate: an unknown trigger is a bug to
// report, but the visitor's data must still go.
func (r Request) checkTrigger() error {
	if !slices.Contains(Triggers, r.Trigger) {
		return fmt.Errorf("wipe: trigger %q is unknown: use one of %v", r.Trigger, Triggers)
	}
	return nil
}

func checkDir(what, p string) error {
	if p == "" || !filepath.IsAbs(p) || filepath.Clean(p) != p || p == "/" {
		return fmt.Errorf("wipe: %s %q must be a clean absolute path other than /", what, p)
	}
	return nil
}

// within reports whether p is dir or below it.
func within(p, dir string) bool {
	return p == dir || strings.HasPrefix(p, dir+string(filepath.Separator))
}

func (r Request) grace() time.Duration {
	if r.Grace > 0 {
		return r.Grace
	}
	return DefaultGrace
}

func (r Request) homeMode() uint32 {
	if r.HomeMode != 0 {
		return r.HomeMode
	}
	return DefaultHomeMode
}

// chooseStrategy picks the strategy for a request: the forced one when it is
// usable, otherwise the first usable one.
func chooseStrategy(forced Strategy, usable []Strategy) (Strategy, error) {
	if forced == "" {
		if len(usable) == 0 {
			return "", fmt.Errorf("wipe: no home reset strategy is usable on this machine")
		}
		return usable[0], nil
	}
	if !slices.Contains(usable, forced) {
		return "", fmt.Errorf("wipe: strategy %q is not usable here: use one of %v or leave it empty", forced, usable)
	}
	return forced, nil
}
