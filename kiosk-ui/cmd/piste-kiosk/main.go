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
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"

	"piste/agent/localapi"
	"piste/agent/state"
	kioskapp "piste/kiosk-ui/app"
	"piste/kiosk-ui/hotkey"
	"piste/kiosk-ui/speech"
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
	speechLog := fs.String("speech-log", "", "append every utterance of the self-voicing to this file (for tests and support; never holds a PIN)")
	espeak := fs.String("espeak", "espeak-ng", "the espeak-ng program that speaks (F1 turns speech on)")
	grabF2 := fs.Bool("grab-f2", true, "grab F2 on the X display so it brings the session bar forward from any program")
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
	speaker, closeLog, err := newSpeaker(*espeak, *speechLog)
	if err != nil {
		return err
	}
	defer closeLog()
	go speaker.Run(ctx)
	ui := kioskapp.New(a, win, client, kioskapp.Options{FullScreen: !*window, Speech: speaker})
	if *grabF2 {
		grab, err := hotkey.Listen("", hotkey.KeysymF2, func() { fyne.Do(ui.Forward) })
		if err != nil {
			slog.Warn("piste-kiosk: F2 works only inside the kiosk's window", "err", err)
		} else {
			defer grab.Close()
		}
	}
	go func() {
		ui.Run(ctx)
		a.Quit()
	}()
	win.ShowAndRun()
	return nil
}

// newSpeaker builds the self-voicing layer over espeak-ng, writing what it
// says to logPath when set. Without espeak-ng the kiosk still runs: the
// log shows what would have been said, and each failure is counted.
func newSpeaker(espeak, logPath string) (*speech.Speaker, func(), error) {
	engine := speech.Espeak{Path: espeak}
	if err := engine.Available(); err != nil {
		slog.Warn("piste-kiosk: speech is unavailable: install espeak-ng", "err", err)
	}
	if logPath == "" {
		return speech.New(engine, nil), func() {}, nil
	}
	f, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, nil, fmt.Errorf("open --speech-log: %w", err)
	}
	return speech.New(engine, f), func() { f.Close() }, nil
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
