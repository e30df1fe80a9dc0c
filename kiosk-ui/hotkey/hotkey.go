// Package hotkey gives the kiosk one key that works from every program on
// the X display: the kiosk grabs it on the root window, so the visitor can
// bring the session bar forward (F2) while a browser has the keyboard.
// fyne sees keys only while its own window has the focus.
package hotkey

import (
	"errors"
	"fmt"
	"io"
	"log"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"
)

func init() {
	// xgb logs to stderr whenever there is no ~/.Xauthority, which is
	// normal for the kiosk's account on a local display.
	xgb.Logger = log.New(io.Discard, "", 0)
}

// KeysymF2 is the X keysym of F2.
const KeysymF2 xproto.Keysym = 0xffbf

// Grab holds a key grabbed on an X display.
type Grab struct {
	conn *xgb.Conn
	done chan struct{}
}

// Listen grabs keysym (with any modifiers) on display (":0"; "" is
// $DISPLAY) and calls pressed, on its own goroutine, at each press, until
// Close. It fails when another client holds the key.
func Listen(display string, keysym xproto.Keysym, pressed func()) (*Grab, error) {
	conn, err := xgb.NewConnDisplay(display)
	if err != nil {
		return nil, fmt.Errorf("hotkey: connect to X display %q: %w", display, err)
	}
	root := xproto.Setup(conn).DefaultScreen(conn).Root
	code, err := keycodeOf(conn, keysym)
	if err != nil {
		conn.Close()
		return nil, err
	}
	// Grab the key alone and with each lock modifier, not AnyModifier:
	// with AnyModifier, Alt+F2 etc. would be taken from the visitor's
	// programs too.
	for _, mods := range []uint16{0, xproto.ModMaskLock, xproto.ModMask2, xproto.ModMaskLock | xproto.ModMask2} {
		if err := xproto.GrabKeyChecked(conn, true, root, mods, code, xproto.GrabModeAsync, xproto.GrabModeAsync).Check(); err != nil {
			conn.Close()
			return nil, fmt.Errorf("hotkey: grab key %#x (another program holds it?): %w", keysym, err)
		}
	}
	g := &Grab{conn: conn, done: make(chan struct{})}
	go g.loop(code, pressed)
	return g, nil
}

func (g *Grab) loop(code xproto.Keycode, pressed func()) {
	defer close(g.done)
	for {
		ev, err := g.conn.WaitForEvent()
		if ev == nil && err == nil {
			return // the connection closed
		}
		if kp, ok := ev.(xproto.KeyPressEvent); ok && kp.Detail == code {
			pressed()
		}
	}
}

// Close lets the key go and stops listening.
func (g *Grab) Close() {
	g.conn.Close()
	<-g.done
}

// errNoKey says the keyboard map has no key for the keysym.
var errNoKey = errors.New("hotkey: no key on this keyboard makes that keysym")

func keycodeOf(conn *xgb.Conn, keysym xproto.Keysym) (xproto.Keycode, error) {
	setup := xproto.Setup(conn)
	count := byte(setup.MaxKeycode - setup.MinKeycode + 1)
	m, err := xproto.GetKeyboardMapping(conn, setup.MinKeycode, count).Reply()
	if err != nil {
		return 0, fmt.Errorf("hotkey: read the keyboard map: %w", err)
	}
	per := int(m.KeysymsPerKeycode)
	for i := range int(count) {
		for j := range per {
			if m.Keysyms[i*per+j] == keysym {
				return setup.MinKeycode + xproto.Keycode(i), nil
			}
		}
	}
	return 0, fmt.Errorf("%w (%#x)", errNoKey, keysym)
}
