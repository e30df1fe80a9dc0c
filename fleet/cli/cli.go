// Package cli is the piste-fleet command line: the server and the admin
// commands. Commands that change a running fleet reach it through its
// admin socket; with no server running they work on the data directory.
package cli

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"piste/fleet/server"
	"piste/fleet/staff"
	"piste/fleet/store"
	"piste/fleet/visits"
)

// Version is set at build time.
var Version = "dev"

const usage = `usage: piste-fleet COMMAND [flags]

commands:
  serve        run the fleet server
  branch add   add a library branch
  user add     add a staff account (password read from stdin)
  enroll-code  create a terminal enrollment code for a branch
  terminal     list | revoke terminals
  policy       apply | show visitor-session policy layers
  guest-passes create a batch of guest passes (one code per line)
  version      print the version

Run 'piste-fleet COMMAND -h' for a command's flags.
`

// IO is where a command reads and writes.
type IO struct {
	In       io.Reader
	Out, Err io.Writer
}

// Run executes the command line and returns the process exit code.
func Run(args []string, stdio IO) int {
	if len(args) == 0 {
		fmt.Fprint(stdio.Err, usage)
		return 2
	}
	var err error
	switch cmd, rest := args[0], args[1:]; {
	case cmd == "serve":
		err = serve(rest, stdio)
	case cmd == "branch" && len(rest) > 0 && rest[0] == "add":
		err = branchAdd(rest[1:], stdio)
	case cmd == "user" && len(rest) > 0 && rest[0] == "add":
		err = userAdd(rest[1:], stdio)
	case cmd == "enroll-code":
		err = enrollCode(rest, stdio)
	case cmd == "terminal" && len(rest) > 0 && rest[0] == "list":
		err = terminalList(rest[1:], stdio)
	case cmd == "terminal" && len(rest) > 0 && rest[0] == "revoke":
		err = terminalRevoke(rest[1:], stdio)
	case cmd == "policy" && len(rest) > 0 && rest[0] == "apply":
		err = policyApply(rest[1:], stdio)
	case cmd == "policy" && len(rest) > 0 && rest[0] == "show":
		err = policyShow(rest[1:], stdio)
	case cmd == "guest-passes":
		err = guestPasses(rest, stdio)
	case cmd == "version":
		fmt.Fprintln(stdio.Out, Version)
	case cmd == "help" || cmd == "-h" || cmd == "--help":
		fmt.Fprint(stdio.Out, usage)
	default:
		fmt.Fprintf(stdio.Err, "piste-fleet: unknown command %q\n\n%s", strings.Join(args, " "), usage)
		return 2
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stdio.Err, "piste-fleet: %v\n", err)
		if errors.Is(err, errUsage) {
			return 2
		}
		return 1
	}
	return 0
}

var errUsage = errors.New("usage")

func usageErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errUsage, fmt.Sprintf(format, args...))
}

func newFlags(name string, stdio IO) *flag.FlagSet {
	fs := flag.NewFlagSet("piste-fleet "+name, flag.ContinueOnError)
	fs.SetOutput(stdio.Err)
	return fs
}

// parse parses flags and refuses stray arguments.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() > 0 {
		return usageErr("unexpected argument %q", fs.Arg(0))
	}
	return nil
}

func required(name, value string) error {
	if value == "" {
		return usageErr("--%s is required", name)
	}
	return nil
}

func serve(args []string, stdio IO) error {
	fs := newFlags("serve", stdio)
	cfg := server.Config{}
	fs.StringVar(&cfg.Addr, "addr", "127.0.0.1:8080", "listen address host:port")
	fs.StringVar(&cfg.DataDir, "data", "", "data directory (created if missing)")
	fs.StringVar(&cfg.TLS, "tls", server.TLSAuto, "auto (plain HTTP only on loopback), on, or off")
	fs.StringVar(&cfg.TLSCert, "tls-cert", "", "TLS certificate file (PEM); default: a self-signed one in --data")
	fs.StringVar(&cfg.TLSKey, "tls-key", "", "TLS key file (PEM)")
	fs.DurationVar(&cfg.Heartbeat, "heartbeat", 30*time.Second, "how often terminals report health")
	verbose := fs.Bool("v", false, "log debug detail")
	lib := sip2Flags{stdin: stdio.In}
	lib.register(fs)
	var priv privacyFlags
	priv.register(fs)
	checks := visits.DefaultCardCheckLimits
	fs.IntVar(&checks.PerTerminal, "card-checks-per-terminal", checks.PerTerminal, "most library-card checks (logins, reservations) per terminal per minute; 0: no limit")
	fs.IntVar(&checks.Fleet, "card-checks-per-second", checks.Fleet, "most library-card checks per second across the fleet; 0: no limit")
	var edge edgeFlags
	edge.register(fs)
	configFile := fs.String("config", "", "YAML file of settings named like these flags (flags given here win)")
	if err := refuseLoginOnArgv(args); err != nil {
		return err
	}
	if err := parse(fs, args); err != nil {
		return err
	}
	if *configFile != "" {
		if err := applyConfigFile(fs, *configFile); err != nil {
			return usageErr("%v", err)
		}
	}
	sipCfg, err := lib.config()
	if err != nil {
		return err
	}
	if err := edge.apply(fs, &cfg); err != nil {
		return err
	}
	cfg.SIP2 = sipCfg
	if err := priv.apply(&cfg); err != nil {
		return err
	}
	if checks.PerTerminal < 0 || checks.Fleet < 0 {
		return usageErr("--card-checks-per-terminal and --card-checks-per-second must be 0 (no limit) or more")
	}
	cfg.CardChecks = &checks
	if err := required("data", cfg.DataDir); err != nil {
		return err
	}
	if cfg.Heartbeat < time.Second || cfg.Heartbeat > time.Hour {
		return usageErr("--heartbeat must be between 1s and 1h, got %s", cfg.Heartbeat)
	}
	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(stdio.Err, &slog.HandlerOptions{Level: level}))
	srv, err := server.New(cfg, log)
	if err != nil {
		return err
	}
	if err := srv.Start(); err != nil {
		srv.Shutdown(context.Background())
		return err
	}
	fmt.Fprintf(stdio.Out, "piste-fleet %s serving on %s\n", Version, srv.URL)
	if srv.MetricsURL != "" {
		fmt.Fprintf(stdio.Out, "metrics on %s\n", srv.MetricsURL)
	}
	if srv.Fingerprint != "" {
		fmt.Fprintf(stdio.Out, "TLS certificate fingerprint: %s\n", srv.Fingerprint)
		fmt.Fprintf(stdio.Out, "enroll terminals with: echo CODE | piste-agent enroll --server %s --server-fingerprint %s --code - --state DIR\n", srv.URL, srv.Fingerprint)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Shutdown(shutdownCtx)
}

func openStore(dir string) (*store.Store, error) {
	if err := required("data", dir); err != nil {
		return nil, err
	}
	return store.Open(dir)
}

func branchAdd(args []string, stdio IO) error {
	fs := newFlags("branch add", stdio)
	dir := fs.String("data", "", "data directory")
	id := fs.String("id", "", "branch id, e.g. kallio (letters, digits, - _ .)")
	name := fs.String("name", "", "branch name shown to staff")
	tz := fs.String("tz", "Europe/Helsinki", "IANA time zone")
	if err := parse(fs, args); err != nil {
		return err
	}
	st, err := openStore(*dir)
	if err != nil {
		return err
	}
	defer st.Close()
	b := store.Branch{ID: *id, Name: *name, TZ: *tz}
	if err := newServices(st).staff.AddBranch(context.Background(), staff.CLI, b); err != nil {
		return inputErr(err)
	}
	fmt.Fprintf(stdio.Out, "branch %s added\n", *id)
	return nil
}

func userAdd(args []string, stdio IO) error {
	fs := newFlags("user add", stdio)
	dir := fs.String("data", "", "data directory")
	name := fs.String("name", "", "login name")
	role := fs.String("role", "", "admin, volunteer or editor")
	branch := fs.String("branch", "", "limit the account to these branches (comma-separated ids; none: every branch)")
	if err := parse(fs, args); err != nil {
		return err
	}
	password, err := readSecret(stdio.In)
	if err != nil {
		return err
	}
	st, err := openStore(*dir)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := newServices(st).staff.AddUser(context.Background(), staff.CLI, *name, *role, splitList(*branch), password); err != nil {
		return inputErr(err)
	}
	fmt.Fprintf(stdio.Out, "user %s (%s) saved\n", *name, *role)
	return nil
}

// readSecret reads one line from stdin, so secrets stay out of argv.
func readSecret(in io.Reader) (string, error) {
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read password from stdin: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errors.New("no password on stdin: pipe it in, e.g. echo \"$PASSWORD\" | piste-fleet user add ...")
	}
	return line, nil
}

func enrollCode(args []string, stdio IO) error {
	fs := newFlags("enroll-code", stdio)
	dir := fs.String("data", "", "data directory")
	branch := fs.String("branch", "", "branch the terminals join")
	uses := fs.Int("uses", 1, "how many terminals may use the code")
	ttl := fs.Duration("ttl", 24*time.Hour, "how long the code is valid")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := required("branch", *branch); err != nil {
		return err
	}
	var made struct{ Code string }
	err := callServerJSON(*dir, "POST", "/api/v1/enroll-codes",
		map[string]any{"branch": *branch, "uses": *uses, "ttl": ttl.String()}, &made)
	if err == nil {
		fmt.Fprintln(stdio.Out, made.Code)
		return nil
	}
	if !errors.Is(err, errNoServer) {
		return err
	}
	st, err := openStore(*dir)
	if err != nil {
		return err
	}
	defer st.Close()
	code, err := newServices(st).terminals.NewEnrollCode(context.Background(), staff.CLI, *branch, *uses, *ttl)
	if err != nil {
		return inputErr(err)
	}
	fmt.Fprintln(stdio.Out, code.Code)
	return nil
}

func terminalList(args []string, stdio IO) error {
	fs := newFlags("terminal list", stdio)
	dir := fs.String("data", "", "data directory")
	branch := fs.String("branch", "", "only this branch")
	if err := parse(fs, args); err != nil {
		return err
	}
	st, err := openStore(*dir)
	if err != nil {
		return err
	}
	defer st.Close()
	ts, err := newServices(st).terminals.List(context.Background(), staff.CLI, *branch, "")
	if err != nil {
		return err
	}
	for _, t := range ts {
		revoked := ""
		if t.Revoked {
			revoked = " revoked"
		}
		fmt.Fprintf(stdio.Out, "%s\t%s\t%s\t%s\t%s%s\n", t.ID, t.Branch, t.Kind, t.Name, t.State, revoked)
	}
	return nil
}

func terminalRevoke(args []string, stdio IO) error {
	fs := newFlags("terminal revoke", stdio)
	dir := fs.String("data", "", "data directory")
	id := fs.String("id", "", "terminal id")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := required("id", *id); err != nil {
		return err
	}
	err := callServer(*dir, "POST", "/api/v1/terminals/"+url.PathEscape(*id)+"/revoke", "", nil, nil)
	if err == nil {
		fmt.Fprintf(stdio.Out, "terminal %s revoked; the running server dropped its link\n", *id)
		return nil
	}
	if !errors.Is(err, errNoServer) {
		return err
	}
	st, err := openStore(*dir)
	if err != nil {
		return err
	}
	defer st.Close()
	if _, err := newServices(st).terminals.Revoke(context.Background(), staff.CLI, *id); err != nil {
		return err
	}
	fmt.Fprintf(stdio.Out, "terminal %s revoked\n", *id)
	return nil
}

// splitList reads a comma-separated flag value, dropping blanks.
func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
