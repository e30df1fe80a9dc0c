// Package keeper keeps the kiosk's session bar above the visitor's
// programs in the visitor's X session. The window manager stacks a
// focused full-screen window above every "always on top" window (as the
// EWMH spec suggests), so the keeper turns the visitor's full-screen
// requests into maximised windows below the bar, marks the bar
// _NET_WM_STATE_ABOVE, reserves its strip of the screen (a strut) and
// raises it again whenever the stacking order changes.
package keeper

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"slices"
	"time"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"
)

// KioskTitle is the kiosk window's title (kiosk-ui/app.WindowTitle).
const KioskTitle = "piste-kiosk"

func init() {
	// The kiosk account reaches the display through the session's xhost
	// grant; xgb would log the missing X authority file at every start.
	xgb.Logger = log.New(io.Discard, "", 0)
}

// Keeper watches one X display.
type Keeper struct {
	conn  *xgb.Conn
	root  xproto.Window
	width uint16
	atoms map[string]xproto.Atom
	log   *slog.Logger
}

var atomNames = []string{
	"_NET_CLIENT_LIST", "_NET_CLIENT_LIST_STACKING", "_NET_ACTIVE_WINDOW", "_NET_WM_STATE",
	"_NET_WM_STATE_ABOVE", "_NET_WM_STATE_FULLSCREEN", "_NET_WM_STATE_MAXIMIZED_VERT",
	"_NET_WM_STATE_MAXIMIZED_HORZ", "_NET_WM_NAME", "UTF8_STRING", "_NET_RESTACK_WINDOW",
	"_NET_WM_STRUT", "_NET_WM_STRUT_PARTIAL", "_NET_MOVERESIZE_WINDOW", "_NET_FRAME_EXTENTS",
}

// Open connects to display (e.g. ":0").
func Open(display string, log *slog.Logger) (*Keeper, error) {
	conn, err := xgb.NewConnDisplay(display)
	if err != nil {
		return nil, fmt.Errorf("keeper: connect to display %q: %w", display, err)
	}
	screen := xproto.Setup(conn).DefaultScreen(conn)
	k := &Keeper{conn: conn, root: screen.Root, width: screen.WidthInPixels, atoms: map[string]xproto.Atom{}, log: log}
	for _, name := range atomNames {
		r, err := xproto.InternAtom(conn, false, uint16(len(name)), name).Reply()
		if err != nil {
			conn.Close()
			return nil, fmt.Errorf("keeper: intern %s: %w", name, err)
		}
		k.atoms[name] = r.Atom
	}
	return k, nil
}

// Close disconnects.
func (k *Keeper) Close() { k.conn.Close() }

// Run keeps the bar on top until ctx ends or the display goes away (the
// visitor's session ended); it returns nil when ctx ended.
func (k *Keeper) Run(ctx context.Context) error {
	err := xproto.ChangeWindowAttributesChecked(k.conn, k.root, xproto.CwEventMask,
		[]uint32{xproto.EventMaskPropertyChange | xproto.EventMaskSubstructureNotify}).Check()
	if err != nil {
		return fmt.Errorf("keeper: watch the root window: %w", err)
	}
	go func() { <-ctx.Done(); k.conn.Close() }()
	k.Enforce()
	for {
		ev, xerr := k.conn.WaitForEvent()
		if ctx.Err() != nil {
			return nil
		}
		if ev == nil && xerr == nil {
			return errors.New("keeper: the display closed")
		}
		if xerr != nil {
			continue // a window went away while we looked at it
		}
		if p, ok := ev.(xproto.PropertyNotifyEvent); ok && p.Window == k.root {
			if p.Atom == k.atoms["_NET_CLIENT_LIST_STACKING"] || p.Atom == k.atoms["_NET_ACTIVE_WINDOW"] || p.Atom == k.atoms["_NET_CLIENT_LIST"] {
				k.Enforce()
			}
		}
		switch ev.(type) {
		case xproto.ConfigureNotifyEvent, xproto.MapNotifyEvent:
			k.Enforce()
		}
	}
}

// WaitWindowManager returns once a window manager runs on the display
// (an EWMH one: _NET_SUPPORTING_WM_CHECK names its live window). The kiosk
// waits for it: a window asking for full screen before a window manager
// runs is never made full screen.
func (k *Keeper) WaitWindowManager(ctx context.Context) error {
	atom, err := xproto.InternAtom(k.conn, false, uint16(len("_NET_SUPPORTING_WM_CHECK")), "_NET_SUPPORTING_WM_CHECK").Reply()
	if err != nil {
		return fmt.Errorf("keeper: %w", err)
	}
	for {
		r, err := xproto.GetProperty(k.conn, false, k.root, atom.Atom, xproto.AtomWindow, 0, 1).Reply()
		if err != nil {
			return fmt.Errorf("keeper: read the root window: %w", err)
		}
		if r.Format == 32 && len(r.Value) >= 4 {
			w := xproto.Window(xgb.Get32(r.Value))
			if _, err := xproto.GetGeometry(k.conn, xproto.Drawable(w)).Reply(); err == nil {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Enforce applies the rules once: no other window full screen, the bar
// above, reserved and topmost.
func (k *Keeper) Enforce() {
	clients := k.windows("_NET_CLIENT_LIST")
	var kiosk xproto.Window
	for _, w := range clients {
		if k.title(w) == KioskTitle {
			kiosk = w
			continue
		}
		// The subscription lets the keeper see a program's own requests.
		xproto.ChangeWindowAttributes(k.conn, w, xproto.CwEventMask, []uint32{xproto.EventMaskPropertyChange})
		if k.hasState(w, "_NET_WM_STATE_FULLSCREEN") {
			k.log.Info("full-screen window kept below the session bar", "window", w)
			k.state(w, 0, "_NET_WM_STATE_FULLSCREEN", "")
			k.state(w, 1, "_NET_WM_STATE_MAXIMIZED_VERT", "_NET_WM_STATE_MAXIMIZED_HORZ")
		}
	}
	if kiosk == 0 {
		return
	}
	fullscreen := k.hasState(kiosk, "_NET_WM_STATE_FULLSCREEN")
	if !k.hasState(kiosk, "_NET_WM_STATE_ABOVE") {
		k.state(kiosk, 1, "_NET_WM_STATE_ABOVE", "")
	}
	k.reserve(kiosk, fullscreen)
	k.lowerPopups(kiosk)
	// Between visits the welcome screen keeps the keyboard: a program the
	// session started behind it must not catch a card number or PIN.
	if fullscreen {
		if active := k.cardinals(k.root, "_NET_ACTIVE_WINDOW"); len(active) != 1 || xproto.Window(active[0]) != kiosk {
			k.message(kiosk, "_NET_ACTIVE_WINDOW", 2, 0, 0, 0, 0)
		}
	}
	stack := k.windows("_NET_CLIENT_LIST_STACKING")
	if len(stack) > 0 && stack[len(stack)-1] != kiosk {
		k.message(kiosk, "_NET_RESTACK_WINDOW", 2, 0, xproto.StackModeAbove, 0, 0)
	}
}

// lowerPopups puts the programs' override-redirect windows (menus,
// tooltips, a browser's "press Esc" bubble), which no window manager
// stacks, below the kiosk's frame, so they cannot cover the bar or the
// welcome screen.
func (k *Keeper) lowerPopups(kiosk xproto.Window) {
	frame := k.topLevel(kiosk)
	tree, err := xproto.QueryTree(k.conn, k.root).Reply()
	if err != nil {
		return
	}
	above := false
	for _, w := range tree.Children { // bottom to top
		if w == frame {
			above = true
			continue
		}
		if !above {
			continue
		}
		attrs, err := xproto.GetWindowAttributes(k.conn, w).Reply()
		if err != nil || !attrs.OverrideRedirect || attrs.MapState != xproto.MapStateViewable {
			continue
		}
		k.log.Info("pop-up window kept below the kiosk", "window", w)
		xproto.ConfigureWindow(k.conn, w, xproto.ConfigWindowSibling|xproto.ConfigWindowStackMode,
			[]uint32{uint32(frame), xproto.StackModeBelow})
	}
}

// topLevel is the root's child that holds w: the window manager's frame
// around it, or w itself.
func (k *Keeper) topLevel(w xproto.Window) xproto.Window {
	for range 16 {
		t, err := xproto.QueryTree(k.conn, w).Reply()
		if err != nil || t.Parent == k.root || t.Parent == 0 {
			return w
		}
		w = t.Parent
	}
	return w
}

// reserve gives the bar the top strip of the screen, centred, so that
// maximised windows start below it; a full-screen kiosk reserves nothing.
func (k *Keeper) reserve(kiosk xproto.Window, fullscreen bool) {
	strut := make([]uint32, 12)
	if !fullscreen {
		geo, err := xproto.GetGeometry(k.conn, xproto.Drawable(kiosk)).Reply()
		if err != nil {
			return
		}
		frameTop := uint32(0)
		if ext := k.cardinals(kiosk, "_NET_FRAME_EXTENTS"); len(ext) == 4 {
			frameTop = ext[2] + ext[3]
		}
		h := uint32(geo.Height) + frameTop
		strut[2], strut[8], strut[9] = h, 0, uint32(k.width)-1
		x := (int(k.width) - int(geo.Width)) / 2
		if abs, err := xproto.TranslateCoordinates(k.conn, kiosk, k.root, 0, 0).Reply(); err == nil && (int(abs.DstY) != int(frameTop) || int(abs.DstX) != x) {
			// gravity static (10<<0) and x, y given (1<<8 | 1<<9)
			k.message(kiosk, "_NET_MOVERESIZE_WINDOW", 10|1<<8|1<<9|2<<12, uint32(x), 0, 0, 0)
		}
	}
	if slices.Equal(k.cardinals(kiosk, "_NET_WM_STRUT_PARTIAL"), strut) {
		return
	}
	xproto.ChangeProperty(k.conn, xproto.PropModeReplace, kiosk, k.atoms["_NET_WM_STRUT_PARTIAL"], xproto.AtomCardinal, 32, 12, cardBytes(strut))
	xproto.ChangeProperty(k.conn, xproto.PropModeReplace, kiosk, k.atoms["_NET_WM_STRUT"], xproto.AtomCardinal, 32, 4, cardBytes(strut[:4]))
}

// state asks the window manager to add (1) or remove (0) window states.
func (k *Keeper) state(w xproto.Window, action uint32, a, b string) {
	var second uint32
	if b != "" {
		second = uint32(k.atoms[b])
	}
	k.message(w, "_NET_WM_STATE", action, uint32(k.atoms[a]), second, 2, 0)
}

// message sends an EWMH client message about w to the window manager.
func (k *Keeper) message(w xproto.Window, typ string, d0, d1, d2, d3, d4 uint32) {
	ev := xproto.ClientMessageEvent{Format: 32, Window: w, Type: k.atoms[typ],
		Data: xproto.ClientMessageDataUnionData32New([]uint32{d0, d1, d2, d3, d4})}
	xproto.SendEvent(k.conn, false, k.root, xproto.EventMaskSubstructureRedirect|xproto.EventMaskSubstructureNotify, string(ev.Bytes()))
}

// hasState reports whether w's _NET_WM_STATE holds the named state.
func (k *Keeper) hasState(w xproto.Window, name string) bool {
	return slices.Contains(k.cardinals(w, "_NET_WM_STATE"), uint32(k.atoms[name]))
}

// windows reads a root property that lists windows.
func (k *Keeper) windows(prop string) []xproto.Window {
	return k.windows2(k.root, prop)
}

func (k *Keeper) windows2(w xproto.Window, prop string) []xproto.Window {
	var out []xproto.Window
	for _, v := range k.cardinals(w, prop) {
		out = append(out, xproto.Window(v))
	}
	return out
}

// cardinals reads a 32-bit list property (windows, atoms, cardinals).
func (k *Keeper) cardinals(w xproto.Window, prop string) []uint32 {
	r, err := xproto.GetProperty(k.conn, false, w, k.atoms[prop], xproto.GetPropertyTypeAny, 0, 1024).Reply()
	if err != nil || r.Format != 32 {
		return nil
	}
	out := make([]uint32, 0, r.ValueLen)
	for i := 0; i+4 <= len(r.Value); i += 4 {
		out = append(out, xgb.Get32(r.Value[i:]))
	}
	return out
}

// title is the window's _NET_WM_NAME, else its WM_NAME.
func (k *Keeper) title(w xproto.Window) string {
	for _, p := range []xproto.Atom{k.atoms["_NET_WM_NAME"], xproto.AtomWmName} {
		r, err := xproto.GetProperty(k.conn, false, w, p, xproto.GetPropertyTypeAny, 0, 256).Reply()
		if err == nil && len(r.Value) > 0 {
			return string(r.Value)
		}
	}
	return ""
}

func cardBytes(v []uint32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		xgb.Put32(b[4*i:], x)
	}
	return b
}
