// Command piste-sim runs simulated terminals against a fleet: real
// enrollment, the real agent link, made-up health and visitor sessions.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"piste/testing/sim"
)

func main() {
	fs := flag.NewFlagSet("piste-sim", flag.ContinueOnError)
	var cfg sim.Config
	fs.StringVar(&cfg.Server, "server", "", "fleet URL")
	fs.StringVar(&cfg.Code, "code", "", "enrollment code with at least --terminals uses")
	fs.StringVar(&cfg.Fingerprint, "server-fingerprint", "", "pin the fleet's certificate: sha256:<hex>")
	fs.IntVar(&cfg.Terminals, "terminals", 10, "how many terminals to simulate")
	fs.DurationVar(&cfg.Heartbeat, "heartbeat", 0, "health interval (default: the fleet's)")
	fs.BoolVar(&cfg.Sessions, "sessions", true, "simulate visitor sessions starting and ending")
	fs.StringVar(&cfg.Prefix, "prefix", "sim", "terminal name prefix")
	if err := fs.Parse(os.Args[1:]); err != nil {
		os.Exit(2)
	}
	if cfg.Server == "" || cfg.Code == "" {
		fmt.Fprintln(os.Stderr, "piste-sim: --server and --code are required")
		os.Exit(2)
	}
	if cfg.Terminals < 1 || cfg.Terminals > 100000 {
		fmt.Fprintf(os.Stderr, "piste-sim: --terminals must be between 1 and 100000, got %d\n", cfg.Terminals)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	s, err := sim.Start(ctx, cfg)
	if err != nil {
		fmt.Fprintf(os.Stderr, "piste-sim: %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("piste-sim: %d terminals enrolled\n", len(s.Terminals))
	tick := time.NewTicker(10 * time.Second)
	defer tick.Stop()
	last := -1
	for {
		select {
		case <-ctx.Done():
			s.Wait()
			fmt.Println("piste-sim: stopped")
			return
		case <-tick.C:
			if n := s.Online(); n != last {
				fmt.Printf("piste-sim: %d/%d online, %d events waiting\n", n, len(s.Terminals), s.Pending())
				last = n
			}
		}
	}
}
