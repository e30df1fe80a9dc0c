// Command piste-sip2-server runs the SIP2 test server, a stand-in for the
// library system that answers like the Evergreen SIPServer, so Piste's
// card-and-PIN login can be tried and tested without a real ILS.
//
//	piste-sip2-server --addr 127.0.0.1:6001 [--patrons FILE.json]
//	    [--login scclient:clientpwd] [--institution UWOLS] [--utf8]
//	    [--delay DURATION | --silent]
//
// When ready it prints one line, "sip2 test server listening on ADDR".
// --delay answers every request (logins included) only after DURATION, and
// --silent never answers at all: a slow or hung library system, for
// tests of what the fleet and the terminals do then. SIGINT or SIGTERM
// stops it. The login is a test account, so it may be
// given on the command line.
//
// Built-in patrons (card / PIN):
//
//	djfiander / 6789   reference patron, one fine item ("Computer Time")
//	miker     / 6789   reference patron
//	20000001  / 1234   ordinary card (Aino Demo)
//	20000002  / 1234   ordinary card (Eero Demo)
//	20000003  / 1234   ordinary card (Linnea Demo)
//	20000004  / 1234   blocked: card reported lost
//	20000005  / 1234   owes 12.50 EUR
//
// Every other card is unknown. A patrons file adds cards or replaces
// built-in ones with the same id:
//
//	{"patrons": [
//	  {"id": "30000001", "pin": "4321", "name": "Test Person"},
//	  {"id": "30000002", "pin": "4321", "name": "Lost", "flags": ["card reported lost"]},
//	  {"id": "30000003", "pin": "4321", "name": "Owes", "fee_amount": "3.00", "currency": "EUR"}
//	]}
//
// Flags are patron-status names such as "charge privileges denied",
// "card reported lost", "excessive outstanding fines" or "excessive
// outstanding fees"; "status" sets all 14 positions at once.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"piste/testing/sip2server"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "piste-sip2-server:", err)
		os.Exit(2)
	}
}

// run serves until ctx ends.
func run(ctx context.Context, args []string, out io.Writer) error {
	cfg, addr, faults, err := parseFlags(args)
	if err != nil {
		return err
	}
	srv, err := sip2server.New(cfg)
	if err != nil {
		return err
	}
	srv.SetFaults(faults)
	if err := srv.Listen(addr); err != nil {
		return err
	}
	fmt.Fprintf(out, "sip2 test server listening on %s\n", srv.Addr())
	<-ctx.Done()
	return srv.Close()
}

func parseFlags(args []string) (sip2server.Config, string, sip2server.Faults, error) {
	var faults sip2server.Faults
	fs := flag.NewFlagSet("piste-sip2-server", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:6001", "address to listen on")
	patrons := fs.String("patrons", "", "JSON file with more patrons")
	login := fs.String("login", "scclient:clientpwd", "accepted SIP2 login, USER:PASSWORD")
	inst := fs.String("institution", "UWOLS", "institution id (AO)")
	utf8 := fs.Bool("utf8", false, "answer in UTF-8 instead of folding to ASCII")
	fs.DurationVar(&faults.Delay, "delay", 0, "answer every request only after this long (a slow library system)")
	fs.BoolVar(&faults.Silent, "silent", false, "read requests and never answer (a hung library system)")
	if err := fs.Parse(args); err != nil {
		return sip2server.Config{}, "", faults, err
	}
	if faults.Delay < 0 {
		return sip2server.Config{}, "", faults, fmt.Errorf("--delay must not be negative, got %s", faults.Delay)
	}
	user, pass, ok := strings.Cut(*login, ":")
	if !ok || user == "" {
		return sip2server.Config{}, "", faults, fmt.Errorf("--login must be USER:PASSWORD, got %q", *login)
	}
	cfg := sip2server.Config{Institution: *inst, User: user, Password: pass, PlainUTF8: *utf8,
		Patrons: append(sip2server.ReferencePatrons(), sip2server.DemoPatrons()...)}
	if *patrons != "" {
		more, err := sip2server.LoadPatrons(*patrons)
		if err != nil {
			return sip2server.Config{}, "", faults, fmt.Errorf("--patrons: %w", err)
		}
		cfg.Patrons = append(cfg.Patrons, more...) // later entries replace earlier ones
	}
	return cfg, *addr, faults, nil
}
