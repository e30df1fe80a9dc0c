// Package cli is the piste-agent command line: enroll, run in the
// foreground, manage the system service, and talk to a running agent.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/kardianos/service"

	"piste/agent/config"
	"piste/agent/daemon"
	"piste/agent/desktop"
	"piste/agent/enroll"
	"piste/agent/state"
	"piste/agent/update"
	"piste/fleet/protocol"
)

// Version is set at build time.
var Version = "dev"

const usage = `usage: piste-agent COMMAND [flags]

commands:
  enroll     join this terminal to a fleet with an enrollment code
  run        run the agent in the foreground
  install    install the agent as a system service (then start)
  uninstall  remove the system service
  start      start the system service
  stop       stop the system service
  ctl        talk to the running agent: status, login, guest, extend, end
  version    print the version
`

// IO is where a command reads and writes.
type IO struct {
	In       io.Reader
	Out, Err io.Writer
}

var errUsage = errors.New("usage")

func usageErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errUsage, fmt.Sprintf(format, args...))
}

// Run executes the command line and returns the exit code.
func Run(args []string, stdio IO) int {
	if len(args) == 0 {
		fmt.Fprint(stdio.Err, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "enroll":
		err = enrollCmd(args[1:], stdio)
	case "run":
		err = runCmd(args[1:], stdio)
	case "install", "uninstall", "start", "stop":
		err = serviceCmd(args[0], args[1:], stdio)
	case "ctl":
		err = ctlCmd(args[1:], stdio)
	case "version":
		fmt.Fprintln(stdio.Out, Version)
	case "help", "-h", "--help":
		fmt.Fprint(stdio.Out, usage)
	default:
		fmt.Fprintf(stdio.Err, "piste-agent: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		fmt.Fprintf(stdio.Err, "piste-agent: %v\n", err)
		return 2
	default:
		fmt.Fprintf(stdio.Err, "piste-agent: %v\n", err)
		return 1
	}
}

func newFlags(name string, stdio IO) *flag.FlagSet {
	fs := flag.NewFlagSet("piste-agent "+name, flag.ContinueOnError)
	fs.SetOutput(stdio.Err)
	return fs
}

func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	return nil
}

func noArgs(fs *flag.FlagSet) error {
	if fs.NArg() > 0 {
		return usageErr("unexpected argument %q", fs.Arg(0))
	}
	return nil
}

// absolute makes the run flags' paths absolute, for the same reason as
// absState.
func (r *runFlags) absolute() error {
	var err error
	if r.state, err = absState(r.state); err != nil {
		return err
	}
	if r.config != "" {
		if r.config, err = filepath.Abs(r.config); err != nil {
			return err
		}
	}
	if r.socket != "" {
		r.socket, err = filepath.Abs(r.socket)
	}
	return err
}

// absState makes the state dir absolute: a service does not start in the
// directory the admin typed the command in.
func absState(dir string) (string, error) {
	if dir == "" {
		return "", usageErr("--state is required (the agent's state directory)")
	}
	return filepath.Abs(dir)
}

func enrollCmd(args []string, stdio IO) error {
	fs := newFlags("enroll", stdio)
	req := enroll.Request{Version: Version}
	fs.StringVar(&req.Server, "server", "", "fleet URL, e.g. https://fleet.example:8443")
	codeArg := fs.String("code", "", "- to read the enrollment code from stdin (a code itself is refused here: others see argv)")
	codeFile := fs.String("code-file", "", "file holding the enrollment code from an admin")
	fs.StringVar(&req.Fingerprint, "server-fingerprint", "", "pin the fleet's certificate: sha256:<hex>")
	fs.StringVar(&req.Name, "name", "", "terminal name (default: host name)")
	kind := fs.String("kind", string(protocol.KindPC), "pc or screen")
	fs.StringVar(&req.StateDir, "state", "", "state directory")
	fs.BoolVar(&req.Force, "force", false, "replace an existing enrollment")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	if req.Server == "" {
		return usageErr("--server is required")
	}
	var err error
	if req.Code, err = enrollCode(*codeArg, *codeFile, stdio.In); err != nil {
		return err
	}
	if req.Kind = protocol.TerminalKind(*kind); !req.Kind.Valid() {
		return usageErr("--kind must be pc or screen, got %q", req.Kind)
	}
	if req.StateDir, err = absState(req.StateDir); err != nil {
		return err
	}
	cfg, err := enroll.Enroll(context.Background(), req)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdio.Out, "enrolled as %s (%s) in branch %s\n", cfg.TerminalID, cfg.Name, cfg.Branch)
	return nil
}

type runFlags struct {
	state         string
	config        string
	powerDryRun   bool
	verbose       bool
	kioskUser     string
	desktopDir    string
	updateTimeout time.Duration
	socket        string
	idleDisplay   string
}

func (r *runFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&r.state, "state", "", "state directory")
	fs.StringVar(&r.config, "config", "", "local agent config: the visitor accounts, skeletons and extra paths policies may use (default "+config.DefaultPath+")")
	fs.BoolVar(&r.powerDryRun, "power-dry-run", false, "log reboot/shutdown commands instead of running them")
	fs.BoolVar(&r.verbose, "v", false, "log debug detail")
	fs.StringVar(&r.kioskUser, "kiosk-user", "", "OS account whose session runs the kiosk UI (may use the local socket)")
	fs.StringVar(&r.desktopDir, "desktop-dir", "", "directory for the visitor desktop's accessibility settings (see docs/accessibility.md); empty leaves the desktop alone")
	fs.DurationVar(&r.updateTimeout, "update-health-timeout", defaultUpdateTimeout, "how long an installed update has to reach the fleet before it is rolled back")
	fs.StringVar(&r.socket, "socket", "", "local API socket (default: "+state.SocketFile+" in the state directory)")
	fs.StringVar(&r.idleDisplay, "idle-display", "", "X display of the visitor's session (e.g. :0) whose input idle time counts as visitor activity")
}

const defaultUpdateTimeout = 2 * time.Minute

func (r *runFlags) args() []string {
	a := []string{"run", "--state", r.state}
	if r.config != "" {
		a = append(a, "--config", r.config)
	}
	if r.powerDryRun {
		a = append(a, "--power-dry-run")
	}
	if r.verbose {
		a = append(a, "-v")
	}
	if r.kioskUser != "" {
		a = append(a, "--kiosk-user", r.kioskUser)
	}
	if r.desktopDir != "" {
		a = append(a, "--desktop-dir", r.desktopDir)
	}
	if r.updateTimeout != defaultUpdateTimeout {
		a = append(a, "--update-health-timeout", r.updateTimeout.String())
	}
	if r.socket != "" {
		a = append(a, "--socket", r.socket)
	}
	if r.idleDisplay != "" {
		a = append(a, "--idle-display", r.idleDisplay)
	}
	return a
}

func runCmd(args []string, stdio IO) error {
	fs := newFlags("run", stdio)
	var rf runFlags
	rf.register(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	if err := rf.absolute(); err != nil {
		return err
	}
	if rf.updateTimeout < 5*time.Second || rf.updateTimeout > time.Hour {
		return usageErr("--update-health-timeout must be between 5s and 1h, got %s", rf.updateTimeout)
	}
	// An installed release newer than this binary runs instead of it.
	if code, handedOver, err := update.Handover(rf.state, Version, os.Args, slog.New(slog.NewTextHandler(stdio.Err, nil))); handedOver {
		if err != nil {
			return fmt.Errorf("hand over to the installed release: %w", err)
		}
		os.Exit(code)
	}
	if !service.Interactive() {
		// Started by the service manager (Windows needs its protocol).
		svc, err := newService(rf, stdio)
		if err != nil {
			return fmt.Errorf("service: %w", err)
		}
		return svc.Run()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := runDaemon(ctx, rf, stdio.Err)
	if errors.Is(err, daemon.ErrRestart) {
		return restartSelf()
	}
	return err
}

func runDaemon(ctx context.Context, rf runFlags, logTo io.Writer) error {
	level := slog.LevelInfo
	if rf.verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(logTo, &slog.HandlerOptions{Level: level}))
	local, err := config.Load(rf.config)
	if err != nil {
		return err
	}
	log.Info("local config", "file", local.File, "visitor_accounts", local.VisitorAccounts,
		"skeletons", local.Skeletons, "extra_paths", local.ExtraPaths)
	opts := daemon.Options{StateDir: rf.state, Version: Version, Log: log, PowerDryRun: rf.powerDryRun,
		KioskUser: rf.kioskUser, Local: &local, UpdateHealthTimeout: rf.updateTimeout,
		Socket: rf.socket, IdleDisplay: rf.idleDisplay}
	if rf.desktopDir != "" {
		opts.Desktop = desktop.Files{Dir: rf.desktopDir}
	}
	d, err := daemon.New(opts)
	if err != nil {
		return err
	}
	return d.Run(ctx)
}
