// Command piste-bench-login measures the card-login round trip through
// the fleet and the SIP2 test server on loopback: it starts both as
// processes, enrolls terminals, and fires concurrent logins at the agent
// login endpoint.
//
//	piste-bench-login --fleet bin/piste-fleet --sip2 bin/piste-sip2-server \
//	    [--terminals 50] [--concurrency 100] [--duration 10s | --logins N]
//
// Then it floods the fleet with --staff-flood wrong staff passwords at once.
//
// It prints BENCH lines: login_p50_ms, login_p99_ms, logins_per_second,
// staff_login_flood_peak_rss_mib.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "piste-bench-login:", err)
		os.Exit(2)
	}
	if err := run(ctx, cfg, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "piste-bench-login:", err)
		os.Exit(1)
	}
}

func parseFlags(args []string) (config, error) {
	var c config
	fs := flag.NewFlagSet("piste-bench-login", flag.ContinueOnError)
	fs.StringVar(&c.fleet, "fleet", "piste-fleet", "path of the piste-fleet binary")
	fs.StringVar(&c.sip2, "sip2", "piste-sip2-server", "path of the piste-sip2-server binary")
	fs.IntVar(&c.terminals, "terminals", 50, "terminals to enroll")
	fs.IntVar(&c.cards, "cards", 200, "distinct library cards to log in with")
	fs.IntVar(&c.concurrency, "concurrency", 100, "logins in flight at once")
	fs.DurationVar(&c.duration, "duration", 10*time.Second, "how long to fire logins (unless --logins)")
	fs.IntVar(&c.logins, "logins", 0, "fire this many logins instead of for --duration")
	fs.IntVar(&c.sip2Conns, "sip2-connections", 16, "the fleet's SIP2 connection pool size")
	fs.IntVar(&c.staffFlood, "staff-flood", 100, "then send this many wrong staff passwords at once and report the fleet's peak RSS (0: skip)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	switch {
	case c.terminals < 1 || c.cards < 1 || c.concurrency < 1:
		return c, fmt.Errorf("--terminals, --cards and --concurrency must be at least 1")
	case c.staffFlood < 0:
		return c, fmt.Errorf("--staff-flood must be 0 or more, got %d", c.staffFlood)
	case c.logins < 0 || c.logins == 0 && c.duration <= 0:
		return c, fmt.Errorf("give a positive --duration or --logins")
	}
	return c, nil
}
