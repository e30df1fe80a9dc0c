package packages

import (
	"fmt"
	"image"
	"image/png"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// standInDisplayManager does for the test what LightDM does with the
// package's configuration: before each session it runs the display-setup
// script as root, then the "Piste visitor" session as the visitor
// account, and when that ends the session-cleanup script, and at once a
// fresh session. LightDM itself needs a system bus and a real X server,
// which this container has not. Like LightDM, it starts a new X server
// (Xvfb here) for every session.
type standInDisplayManager struct {
	display string
	visitor account

	mu       sync.Mutex
	sessions []*exec.Cmd // every session started, the last one running
	started  []time.Time
	stopped  bool
	done     chan struct{}
}

func startDisplayManager(display string, visitor account) *standInDisplayManager {
	dm := &standInDisplayManager{display: display, visitor: visitor, done: make(chan struct{})}
	go dm.loop()
	return dm
}

func (dm *standInDisplayManager) loop() {
	defer close(dm.done)
	env := []string{"DISPLAY=" + dm.display, "XDG_SESSION_TYPE=x11", "XDG_SESSION_CLASS=user"}
	for {
		xserver := exec.Command("Xvfb", dm.display, "-screen", "0", "1280x800x24", "-nolisten", "tcp")
		if xserver.Start() != nil {
			return
		}
		sock := "/tmp/.X11-unix/X" + strings.TrimPrefix(dm.display, ":")
		for range 200 {
			if _, err := os.Stat(sock); err == nil {
				break
			}
			time.Sleep(25 * time.Millisecond)
		}
		setup := exec.Command("/usr/lib/piste/session-setup")
		setup.Env = append(os.Environ(), "DISPLAY="+dm.display)
		setup.Run()
		cmd := dm.visitor.command(env, "/usr/lib/piste/piste-session")
		dm.mu.Lock()
		if dm.stopped {
			dm.mu.Unlock()
			return
		}
		err := cmd.Start()
		dm.sessions = append(dm.sessions, cmd)
		dm.started = append(dm.started, time.Now())
		dm.mu.Unlock()
		if err == nil {
			cmd.Wait()
		}
		exec.Command("/usr/lib/piste/session-cleanup").Run()
		xserver.Process.Kill()
		xserver.Wait()
		dm.mu.Lock()
		stopped := dm.stopped
		dm.mu.Unlock()
		if stopped || err != nil {
			return
		}
	}
}

// current returns the number of sessions started and the running one's pid.
func (dm *standInDisplayManager) current() (int, int) {
	dm.mu.Lock()
	defer dm.mu.Unlock()
	n := len(dm.sessions)
	if n == 0 || dm.sessions[n-1].Process == nil {
		return n, 0
	}
	return n, dm.sessions[n-1].Process.Pid
}

func (dm *standInDisplayManager) stop() {
	dm.mu.Lock()
	dm.stopped = true
	dm.mu.Unlock()
	exec.Command("/usr/lib/piste/session-cleanup").Run() // ends the running session
	select {
	case <-dm.done:
	case <-time.After(20 * time.Second):
	}
}

// liveProcesses lists the live (not zombie) processes of uid.
func liveProcesses(uid uint32) map[int]string {
	out := map[int]string{}
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "status"))
		if err != nil || strings.Contains(string(b), "State:\tZ") || !strings.Contains(string(b), fmt.Sprintf("\nUid:\t%d\t", uid)) {
			continue
		}
		name, _, _ := strings.Cut(strings.TrimPrefix(string(b), "Name:\t"), "\n")
		out[pid] = name
	}
	return out
}

// x is the test's view of the visitor's display, through xprop-like reads.
type x struct {
	conn *xgb.Conn
	root xproto.Window
	w, h uint16
}

// withX runs f on a fresh connection to the display (the display manager
// replaces the X server at every session); false when there is none.
func withX(display string, f func(d *x) bool) bool {
	conn, err := xgb.NewConnDisplay(display)
	if err != nil {
		return false
	}
	defer conn.Close()
	s := xproto.Setup(conn).DefaultScreen(conn)
	return f(&x{conn: conn, root: s.Root, w: s.WidthInPixels, h: s.HeightInPixels})
}

func (x *x) atom(name string) xproto.Atom {
	r, err := xproto.InternAtom(x.conn, false, uint16(len(name)), name).Reply()
	if err != nil {
		return 0
	}
	return r.Atom
}

func (x *x) list(w xproto.Window, prop string) []uint32 {
	r, err := xproto.GetProperty(x.conn, false, w, x.atom(prop), xproto.GetPropertyTypeAny, 0, 1024).Reply()
	if err != nil || r.Format != 32 {
		return nil
	}
	var out []uint32
	for i := 0; i+4 <= len(r.Value); i += 4 {
		out = append(out, xgb.Get32(r.Value[i:]))
	}
	return out
}

func (x *x) text(w xproto.Window, prop xproto.Atom) string {
	r, err := xproto.GetProperty(x.conn, false, w, prop, xproto.GetPropertyTypeAny, 0, 256).Reply()
	if err != nil {
		return ""
	}
	return string(r.Value)
}

// stacking is _NET_CLIENT_LIST_STACKING, bottom to top.
func (x *x) stacking() []xproto.Window {
	var out []xproto.Window
	for _, v := range x.list(x.root, "_NET_CLIENT_LIST_STACKING") {
		out = append(out, xproto.Window(v))
	}
	return out
}

// find returns the managed window whose title is title, or whose
// WM_CLASS contains class.
func (x *x) find(title, class string) xproto.Window {
	for _, w := range x.stacking() {
		if title != "" && (x.text(w, x.atom("_NET_WM_NAME")) == title || x.text(w, xproto.AtomWmName) == title) {
			return w
		}
		if class != "" && strings.Contains(strings.ToLower(x.text(w, xproto.AtomWmClass)), class) {
			return w
		}
	}
	return 0
}

// topmostOver returns the highest mapped top-level window that overlaps
// r, override-redirect pop-ups included (the window manager's stacking
// list leaves them out).
func (x *x) topmostOver(r image.Rectangle) xproto.Window {
	tree, err := xproto.QueryTree(x.conn, x.root).Reply()
	if err != nil {
		return 0
	}
	var top xproto.Window
	for _, w := range tree.Children {
		a, err := xproto.GetWindowAttributes(x.conn, w).Reply()
		if err != nil || a.MapState != xproto.MapStateViewable {
			continue
		}
		if x.geometry(w).Overlaps(r) {
			top = w
		}
	}
	return top
}

// frame is the top-level window holding w.
func (x *x) frame(w xproto.Window) xproto.Window {
	for range 16 {
		t, err := xproto.QueryTree(x.conn, w).Reply()
		if err != nil || t.Parent == x.root || t.Parent == 0 {
			return w
		}
		w = t.Parent
	}
	return w
}

func (x *x) fullscreen(w xproto.Window) bool {
	return slices.Contains(x.list(w, "_NET_WM_STATE"), uint32(x.atom("_NET_WM_STATE_FULLSCREEN")))
}

// geometry is w's rectangle on the screen.
func (x *x) geometry(w xproto.Window) image.Rectangle {
	g, err := xproto.GetGeometry(x.conn, xproto.Drawable(w)).Reply()
	if err != nil {
		return image.Rectangle{}
	}
	p, err := xproto.TranslateCoordinates(x.conn, w, x.root, 0, 0).Reply()
	if err != nil {
		return image.Rectangle{}
	}
	return image.Rect(int(p.DstX), int(p.DstY), int(p.DstX)+int(g.Width), int(p.DstY)+int(g.Height))
}

// screenshot saves the screen as PNG into $PISTE_SCREENSHOT_DIR, if set.
func (x *x) screenshot(t *testing.T, name string) {
	dir := os.Getenv("PISTE_SCREENSHOT_DIR")
	if dir == "" {
		return
	}
	// The windows have their final places; give the UIs a moment to draw
	// into them (software rendering). Only the picture waits for this.
	time.Sleep(2 * time.Second)
	r, err := xproto.GetImage(x.conn, xproto.ImageFormatZPixmap, xproto.Drawable(x.root), 0, 0, x.w, x.h, 0xffffffff).Reply()
	require.NoError(t, err)
	img := image.NewRGBA(image.Rect(0, 0, int(x.w), int(x.h)))
	for i := 0; i+3 < len(r.Data) && i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = r.Data[i+2], r.Data[i+1], r.Data[i], 0xff
	}
	f, err := os.Create(filepath.Join(dir, name))
	require.NoError(t, err)
	defer f.Close()
	require.NoError(t, png.Encode(f, img))
}

// xdotool drives the display with XTEST input, as a real keyboard would.
func (m *machine) xdotool(t *testing.T, args ...string) {
	cmd := exec.Command("xdotool", args...)
	cmd.Env = append(os.Environ(), "DISPLAY="+m.display)
	b, err := cmd.CombinedOutput()
	require.NoError(t, err, "xdotool %v: %s", args, b)
}

// visitorSession runs the visitor's desktop session from the installed
// files and checks what the visitor meets.
func (m *machine) visitorSession(t *testing.T) {
	for _, tool := range []string{"Xvfb", "openbox", "xdotool", "xhost", "chromium"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("needs %s (make deps-test installs it)", tool)
		}
	}
	// The library's browser starts with the session; here it asks for full
	// screen, as a visitor's F11 would.
	conf := `PISTE_AUTOSTART="chromium --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-sync --disable-background-networking --disable-component-update --test-type --start-fullscreen --user-data-dir=$HOME/.chromium 'data:text/html,<title>Catalogue</title><h1>Library catalogue</h1><p>Search for books, music and films.</p>'"` + "\n"
	require.NoError(t, os.WriteFile("/etc/piste/session.conf", []byte(conf), 0o644))

	kiosk := m.unitService(t, "piste-kiosk.service")
	defer kiosk.stop()
	keeper := m.unitService(t, "piste-session-keeper.service")
	defer keeper.stop()
	dm := startDisplayManager(m.display, m.visitor)
	defer dm.stop()
	detail := func() string {
		return "kiosk:\n" + tail(kiosk.output(), 2000) + "\nkeeper:\n" + tail(keeper.output(), 2000) + "\nagent:\n" + tail(m.agent.output(), 3000)
	}

	eventually(t, 20*time.Second, func() bool {
		return slices.Contains(slices.Collect(maps.Values(liveProcesses(m.visitor.uid))), "openbox")
	}, "the session's window manager does not run as the visitor", detail)
	_, pid := dm.current()
	_, kioskRunsSession := liveProcesses(m.kiosk.uid)[pid]
	require.False(t, kioskRunsSession, "the session runs as the visitor, not the kiosk account")
	var kioskWin xproto.Window
	eventually(t, 60*time.Second, func() bool {
		return withX(m.display, func(d *x) bool {
			kioskWin = d.find("piste-kiosk", "")
			return kioskWin != 0 && d.fullscreen(kioskWin)
		})
	}, "the kiosk's welcome screen did not appear full screen", detail)
	for p, name := range liveProcesses(m.kiosk.uid) {
		if name == "piste-kiosk" {
			_, visitorOwns := liveProcesses(m.visitor.uid)[p]
			assert.False(t, visitorOwns)
		}
	}
	withX(m.display, func(d *x) bool { d.screenshot(t, "desktop-welcome.png"); return true })

	login := func() time.Time {
		out, err := m.ctl(nil, "1234\n", "login", "--card", "20000001", "--pin-stdin")
		require.NoError(t, err, "login: %s", out)
		return time.Now()
	}
	t0 := login()
	eventually(t, 20*time.Second, func() bool {
		return withX(m.display, func(d *x) bool { return !d.fullscreen(kioskWin) && d.geometry(kioskWin).Dy() < 200 })
	}, "the kiosk did not shrink to the session bar", detail)

	var browser xproto.Window
	eventually(t, 60*time.Second, func() bool {
		return withX(m.display, func(d *x) bool {
			browser = d.find("", "chromium")
			return browser != 0 && d.geometry(browser).Dx() >= int(d.w)-2
		})
	}, "the browser did not open across the screen", detail)
	m.xdotool(t, "windowactivate", "--sync", strconv.Itoa(int(browser)))
	var stack []xproto.Window
	eventually(t, 10*time.Second, func() bool {
		return withX(m.display, func(d *x) bool {
			stack = d.stacking()
			return len(stack) > 1 && stack[len(stack)-1] == kioskWin && !d.fullscreen(browser)
		})
	}, "the session bar is not on top of the browser", func() string { return fmt.Sprint(stack, kioskWin, browser) }, detail)
	withX(m.display, func(d *x) bool {
		assert.Equal(t, []uint32{uint32(browser)}, d.list(d.root, "_NET_ACTIVE_WINDOW"), "the browser has the focus, and the bar is still on top")
		bar, page := d.geometry(kioskWin), d.geometry(browser)
		assert.Equal(t, 0, bar.Min.Y, "the bar is at the top of the screen")
		assert.GreaterOrEqual(t, page.Min.Y, bar.Max.Y, "the browser starts below the bar (%v, bar %v)", page, bar)
		d.screenshot(t, "desktop-bar-above-browser.png")
		return true
	})
	assert.Contains(t, keeper.output(), "full-screen window kept below the session bar")

	t.Run("visitor programs cannot call the agent", func(t *testing.T) {
		out, err := m.ctl(&m.visitor, "", "end")
		assert.Error(t, err)
		assert.Contains(t, out, "permission denied")
		assert.Equal(t, "active", m.status()["state"], "the session goes on")
	})

	// Input into the browser is activity: without it the idle warning
	// (idle_logout_minutes 2: shown 60 s after the last activity) would
	// show 60 s after the login; typing at 30 s moves it to 90 s.
	time.Sleep(time.Until(t0.Add(30 * time.Second)))
	m.xdotool(t, "mousemove", "--window", strconv.Itoa(int(browser)), "200", "200")
	m.xdotool(t, "type", "--delay", "50", "piste")
	for time.Now().Before(t0.Add(72 * time.Second)) {
		sess, _ := m.status()["session"].(map[string]any)
		require.NotNil(t, sess, "the session ended early")
		require.Nil(t, sess["idle"], "idle warning shown although the visitor typed in the browser")
		time.Sleep(500 * time.Millisecond)
	}

	secret := filepath.Join(m.visitor.home, "Documents", "tax-return.txt")
	plant := m.visitor.command(nil, "sh", "-c", "mkdir -p \"$HOME/Documents\" && echo secret > \"$HOME/Documents/tax-return.txt\"")
	require.NoError(t, plant.Run())

	turnovers := 1
	if n, err := strconv.Atoi(os.Getenv("PISTE_TURNOVERS")); err == nil && n > 1 {
		turnovers = n
	}
	var took []time.Duration
	for i := range turnovers {
		if i > 0 {
			login()
			eventually(t, 30*time.Second, func() bool {
				return withX(m.display, func(d *x) bool { w := d.find("piste-kiosk", ""); return w != 0 && !d.fullscreen(w) })
			}, "no session bar", detail)
		}
		took = append(took, m.turnover(t, dm, detail))
	}
	_, err := os.Stat(secret)
	assert.True(t, os.IsNotExist(err), "the visitor's file is wiped")

	// The fresh session's browser starts behind the welcome screen; its
	// pop-ups (the full-screen bubble) must not show over it.
	eventually(t, 60*time.Second, func() bool {
		return withX(m.display, func(d *x) bool { return d.find("", "chromium") != 0 })
	}, "the fresh session's browser did not start", detail)
	time.Sleep(3 * time.Second) // the bubble shows a moment after the window
	withX(m.display, func(d *x) bool {
		w := d.find("piste-kiosk", "")
		require.NotZero(t, w)
		frame := d.frame(w)
		assert.Equal(t, frame, d.topmostOver(d.geometry(frame)), "nothing covers the welcome screen")
		return true
	})
	eventually(t, 10*time.Second, func() bool {
		return withX(m.display, func(d *x) bool {
			w := d.find("piste-kiosk", "")
			return w != 0 && slices.Equal(d.list(d.root, "_NET_ACTIVE_WINDOW"), []uint32{uint32(w)})
		})
	}, "the welcome screen does not have the keyboard: the browser behind it does", detail)
	withX(m.display, func(d *x) bool { d.screenshot(t, "desktop-fresh-welcome.png"); return true })
	sort.Slice(took, func(i, j int) bool { return took[i] < took[j] })
	t.Logf("BENCH turnover_session end->fresh_session_welcome median=%.2fs min=%.2fs max=%.2fs n=%d",
		took[len(took)/2].Seconds(), took[0].Seconds(), took[len(took)-1].Seconds(), len(took))
}

// unitService runs a package unit's ExecStartPre and ExecStart lines as
// its User=, on the test's display, restarted like Restart=always.
func (m *machine) unitService(t *testing.T, unit string) *service {
	pre := execLines(t, unit, "ExecStartPre=", m.display)
	argv := execLines(t, unit, "ExecStart=", m.display)[0]
	env := []string{"DISPLAY=" + m.display, "LANG=en_US.UTF-8"}
	return runService(unit, func() *exec.Cmd {
		for _, p := range pre {
			if m.kiosk.command(env, p...).Run() != nil {
				return m.kiosk.command(env, "false")
			}
		}
		return m.kiosk.command(env, argv...)
	})
}

// turnover ends the session and waits for a fresh one showing the
// welcome screen, with every process of the old one gone.
func (m *machine) turnover(t *testing.T, dm *standInDisplayManager, detail func() string) time.Duration {
	before := liveProcesses(m.visitor.uid)
	require.NotEmpty(t, before)
	n, _ := dm.current()
	start := time.Now()
	out, err := m.ctl(nil, "", "end")
	require.NoError(t, err, "end: %s", out)
	eventually(t, 60*time.Second, func() bool {
		now, pid := dm.current()
		if now <= n || pid == 0 {
			return false
		}
		for p := range liveProcesses(m.visitor.uid) {
			if _, old := before[p]; old {
				return false
			}
		}
		return m.status()["state"] == "idle" && withX(m.display, func(d *x) bool {
			w := d.find("piste-kiosk", "")
			return w != 0 && d.fullscreen(w)
		})
	}, "no fresh session with the welcome screen after the end", func() string {
		return fmt.Sprint("old: ", before, " now: ", liveProcesses(m.visitor.uid))
	}, detail)
	took := time.Since(start)
	for p, name := range liveProcesses(m.visitor.uid) {
		_, old := before[p]
		assert.False(t, old, "process %d (%s) of the old session still runs", p, name)
	}
	return took
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
