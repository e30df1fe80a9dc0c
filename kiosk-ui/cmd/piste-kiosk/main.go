// Command piste-kiosk is the visitor's full-screen UI on a library PC. It
// shows what the local piste-agent says and sends the visitor's intents to
// it over the agent's socket; it holds no state of its own, so it can be
// restarted at any time without losing the session.
//
//	piste-kiosk --state /var/lib/piste      # socket at /var/lib/piste/agent.sock
//	piste-kiosk --socket PATH --window      # a normal window, for trying it out
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	fyneapp "fyne.io/fyne/v2/app"

	"piste/agent/localapi"
	"piste/agent/state"
	kioskapp "piste/kiosk-ui/app"
)

// appID names the app to fyne (its preferences and settings).
const appID = "fi.piste.kiosk"

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "piste-kiosk:", err)
		os.Exit(2)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("piste-kiosk", flag.ContinueOnError)
	stateDir := fs.String("state", "", "the agent's state directory; the socket is "+state.SocketFile+" in it")
	socket := fs.String("socket", "", "the agent's socket (overrides --state)")
	window := fs.Bool("window", false, "show a normal window instead of full screen")
	if err := fs.Parse(args); err != nil {
		return err
	}
	path, err := socketPath(*stateDir, *socket)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	a := fyneapp.NewWithID(appID)
	win := a.NewWindow(kioskapp.WindowTitle)
	if !*window {
		// Visitors end sessions with the End button; closing the UI would
		// only hide the session's time and help from them.
		win.SetCloseIntercept(func() {})
	}
	client := localapi.NewClient(path)
	defer client.Close()
	ui := kioskapp.New(a, win, client, kioskapp.Options{FullScreen: !*window})
	go func() {
		ui.Run(ctx)
		a.Quit()
	}()
	win.ShowAndRun()
	return nil
}

func socketPath(stateDir, socket string) (string, error) {
	switch {
	case socket != "":
		return socket, nil
	case stateDir != "":
		return filepath.Join(stateDir, state.SocketFile), nil
	}
	return "", errors.New("pass --state DIR (the agent's state directory) or --socket PATH")
}
