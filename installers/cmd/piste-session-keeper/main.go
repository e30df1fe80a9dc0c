// Command piste-session-keeper runs in the visitor's X session, as the
// kiosk account, and keeps the kiosk's session bar above the visitor's
// programs (see package keeper). It exits when the display closes; the
// service manager starts it again for the next session.
//
//	piste-session-keeper --display :0
//	piste-session-keeper --display :0 --wait-window-manager   # then exit
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"piste/installers/session/keeper"
)

func main() {
	display := flag.String("display", os.Getenv("DISPLAY"), "the visitor's X display")
	wait := flag.Bool("wait-window-manager", false, "only wait until a window manager runs on the display, then exit")
	flag.Parse()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	k, err := keeper.Open(*display, log)
	if err != nil {
		fmt.Fprintln(os.Stderr, "piste-session-keeper:", err)
		os.Exit(1)
	}
	defer k.Close()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	run := k.Run
	if *wait {
		run = k.WaitWindowManager
	}
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "piste-session-keeper:", err)
		os.Exit(1)
	}
}
