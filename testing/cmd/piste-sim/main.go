// Command piste-sim runs simulated terminals against a fleet: real
// enrollment, the real agent link, made-up health and visitor sessions.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"piste/testing/sim"
)

func main() {
	fs := flag.NewFlagSet("piste-sim", flag.ContinueOnError)
	var cfg sim.Config
	fs.StringVar(&cfg.Server, "server", "", "fleet URL")
	codeArg := fs.String("code", "", "- to read the enrollment code (with at least --terminals uses) from stdin")
	codeFile := fs.String("code-file", "", "file holding the enrollment code")
	fs.StringVar(&cfg.Fingerprint, "server-fingerprint", "", "pin the fleet's certificate: sha256:<hex>")
	fs.IntVar(&cfg.Terminals, "terminals", 10, "how many terminals to simulate")
	fs.DurationVar(&cfg.Heartbeat, "heartbeat", 0, "health interval (default: the fleet's)")
	fs.BoolVar(&cfg.Sessions, "sessions", true, "simulate visitor sessions starting and ending")
	fs.StringVar(&cfg.Prefix, "prefix", "sim", "terminal name prefix")
	if err := fs.Parse(os.Args[1:]); err != nil {
		os.Exit(2)
	}
	if cfg.Server == "" {
		fmt.Fprintln(os.Stderr, "piste-sim: --server is required")
		os.Exit(2)
	}
	code, err := readCode(*codeArg, *codeFile)
	if err != nil {
		fmt.Fprintf(os.Stderr, "piste-sim: %v\n", err)
		os.Exit(2)
	}
	cfg.Code = code
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

// readCode reads the enrollment code from stdin (--code -) or a file, never
// from argv, where other users of the machine would see it.
func readCode(arg, file string) (string, error) {
	var data []byte
	var err error
	switch {
	case arg != "" && arg != "-":
		return "", errors.New("the enrollment code may not be given on the command line: pipe it in with --code - or name a file with --code-file FILE")
	case arg == "-" && file == "":
		data, err = io.ReadAll(io.LimitReader(os.Stdin, 1024))
	case arg == "" && file != "":
		data, err = os.ReadFile(file)
	default:
		return "", errors.New("give the enrollment code with --code - (stdin) or --code-file FILE")
	}
	if err != nil {
		return "", fmt.Errorf("read enrollment code: %w", err)
	}
	code, _, _ := strings.Cut(strings.TrimSpace(string(data)), "\n")
	if code == "" {
		return "", errors.New("no enrollment code given")
	}
	return strings.TrimSpace(code), nil
}
