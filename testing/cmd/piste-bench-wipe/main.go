// Command piste-bench-wipe measures the privacy wipe: for each home reset
// strategy usable here it fills a temporary visitor's home with many files
// and starts many processes, then times one wipe. Then it times the
// turnover a waiting visitor sees, from "end session" to the welcome
// screen ready, through a real agent daemon (BENCH turnover_seconds). It must run as root, and
// removes its user, mounts and files when it ends or is interrupted.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"piste/agent/wipe"
)

func main() {
	var cfg config
	flag.IntVar(&cfg.files, "files", 10000, "files to put in the visitor's home")
	flag.IntVar(&cfg.megabytes, "mb", 500, "megabytes those files hold together")
	flag.IntVar(&cfg.procs, "procs", 50, "processes to start as the visitor")
	flag.IntVar(&cfg.skelFiles, "skel-files", 50, "files in the skeleton")
	flag.IntVar(&cfg.skelMegabytes, "skel-mb", 5, "megabytes in the skeleton")
	flag.StringVar(&cfg.strategy, "strategy", "", "measure only this strategy (overlay, tmpfs, files); empty measures every usable one")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, cfg)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "piste-bench-wipe:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, cfg config) error {
	if os.Geteuid() != 0 {
		return fmt.Errorf("must run as root: it creates a user, mounts and ends processes")
	}
	if err := cfg.validate(); err != nil {
		return err
	}
	b, err := newBench(cfg)
	if b != nil {
		defer b.cleanup()
	}
	if err != nil {
		return err
	}
	strategies := b.engine.Strategies()
	if cfg.strategy != "" {
		strategies = []wipe.Strategy{wipe.Strategy(cfg.strategy)}
	}
	for _, s := range strategies {
		secs, r, err := b.measure(ctx, s)
		if err != nil {
			return fmt.Errorf("%s: %w", s, err)
		}
		fmt.Printf("BENCH wipe_%s_seconds %.3f s\n", s, secs)
		fmt.Fprintf(os.Stderr, "  %s: %d files, %d bytes removed, %d processes ended, verified=%v\n", s, r.FilesRemoved, r.BytesRemoved, r.ProcessesEnded, r.Verified)
	}
	if cfg.strategy != "" {
		return nil // turnover uses the engine's own choice of strategy
	}
	secs, err := b.turnover(ctx)
	if err != nil {
		return fmt.Errorf("turnover: %w", err)
	}
	fmt.Printf("BENCH turnover_seconds %.3f s\n", secs)
	return nil
}
