// Package inputidle reads how long the visitor's desktop session has had
// no keyboard or mouse input, so that typing in a browser counts as
// activity for the session's idle logout, not only taps on the kiosk.
package inputidle

import (
	"fmt"
	"io"
	"log"
	"sync"
	"time"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/screensaver"
	"github.com/jezek/xgb/xproto"
)

func init() {
	// xgb logs every connection without an X authority file; the agent
	// reaches the display through the session's xhost grant instead.
	xgb.Logger = log.New(io.Discard, "", 0)
}

// X11 reads the input idle time of an X display through the X screensaver
// extension (what xprintidle reads). It connects on first use and again
// after an error, since the display manager starts a fresh X server for
// every visitor.
type X11 struct {
	Display string // e.g. ":0"

	mu   sync.Mutex
	conn *xgb.Conn
	root xproto.Window
}

// Idle returns the time since the last input on the display.
func (x *X11) Idle() (time.Duration, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.conn == nil {
		if err := x.connectLocked(); err != nil {
			return 0, err
		}
	}
	info, err := screensaver.QueryInfo(x.conn, xproto.Drawable(x.root)).Reply()
	if err != nil {
		x.closeLocked()
		return 0, fmt.Errorf("inputidle: query idle time on %s: %w", x.Display, err)
	}
	return time.Duration(info.MsSinceUserInput) * time.Millisecond, nil
}

func (x *X11) connectLocked() error {
	conn, err := xgb.NewConnDisplay(x.Display)
	if err != nil {
		return fmt.Errorf("inputidle: connect to display %s: %w", x.Display, err)
	}
	if err := screensaver.Init(conn); err != nil {
		conn.Close()
		return fmt.Errorf("inputidle: display %s has no screensaver extension: %w", x.Display, err)
	}
	x.conn, x.root = conn, xproto.Setup(conn).DefaultScreen(conn).Root
	return nil
}

func (x *X11) closeLocked() {
	if x.conn != nil {
		x.conn.Close()
		x.conn = nil
	}
}

// Close drops the connection; Idle connects again.
func (x *X11) Close() {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.closeLocked()
}
