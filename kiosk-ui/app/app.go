// Package app wires the kiosk's screens to the agent: it follows the
// agent's Status stream, shows the screen for each state, applies the
// visitor's text size and contrast, and sizes the window (full screen
// between sessions, a compact bar during one).
package app

import (
	"context"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"

	"piste/agent/localapi"
	"piste/fleet/protocol"
	"piste/kiosk-ui/player"
	"piste/kiosk-ui/screens"
	"piste/kiosk-ui/speech"
	kiosktheme "piste/kiosk-ui/theme"
)

// WindowTitle is the kiosk window's title, never translated: the OS
// session (installers) finds the window by it (and by its X11 WM_CLASS,
// which fyne takes from the title) to keep the compact session bar above
// the visitor's programs, since fyne has no always-on-top window.
const WindowTitle = "piste-kiosk"

// Options configure the UI.
type Options struct {
	// FullScreen shows the screens between sessions full screen; off, they
	// use a normal window (for trying the kiosk on a desktop).
	FullScreen bool
	// WindowSize is the window's size when not full screen.
	WindowSize fyne.Size
	// MaxBarWidth caps the compact session bar's width, in pixels.
	MaxBarWidth float32
	// MaxBarHeight caps its height; beyond it the bar scrolls. Default:
	// two thirds of the smallest supported display (1280×720).
	MaxBarHeight float32
	// Do runs a function on the UI goroutine; fyne.Do when nil.
	Do func(func())
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Speech is the self-voicing layer; nil: the kiosk stays silent. The
	// caller runs its Run loop.
	Speech *speech.Speaker
}

// Agent is what the UI needs from the agent: its status stream and the
// visitor's intents. *localapi.Client implements it.
type Agent interface {
	screens.Agent
	Watch(ctx context.Context) <-chan localapi.Status
}

// UI is the kiosk's window and its screens.
type UI struct {
	app   fyne.App
	win   fyne.Window
	agent Agent
	opts  Options
	env   *screens.Env

	welcome *screens.Welcome
	bar     *screens.SessionBar
	ending  *screens.Ending
	oos     *screens.OutOfService
	message *screens.Message
	player  *player.Player // an info screen's signage

	st      localapi.Status
	spoken  speechState // the speech settings last applied
	current screens.Screen
	theme   *localapi.Accessibility // the look applied, nil before the first
}

// New builds the UI in win and shows the starting screen.
func New(a fyne.App, win fyne.Window, agent Agent, opts Options) *UI {
	if opts.Do == nil {
		opts.Do = fyne.Do
	}
	if opts.WindowSize.IsZero() {
		opts.WindowSize = fyne.NewSize(1280, 800)
	}
	if opts.MaxBarWidth == 0 {
		opts.MaxBarWidth = 1280
	}
	if opts.MaxBarHeight == 0 {
		opts.MaxBarHeight = 480
	}
	env := &screens.Env{Agent: agent, Do: opts.Do, Now: opts.Now}
	if sp := opts.Speech; sp != nil {
		env.Say, env.Alert = sp.Say, sp.Interrupt
	}
	u := &UI{app: a, win: win, agent: agent, opts: opts, env: env,
		welcome: screens.NewWelcome(env), bar: screens.NewSessionBar(env),
		ending: screens.NewEnding(), oos: screens.NewOutOfService(), message: screens.NewMessage(env)}
	win.SetTitle(WindowTitle)
	win.SetPadded(false) // the screens pad themselves; the compact bar needs every pixel
	u.bar.OnResize = u.fitWindow
	u.bar.MaxHeight = opts.MaxBarHeight
	// fyne has no always-on-top: raising the window is the most it can do
	// when the idle warning comes (the OS session keeps the bar above).
	u.bar.OnAttention = win.RequestFocus
	u.message.OnChange = u.fitWindow
	u.player = player.New(opts.Do, opts.Now)
	u.player.OnScreenshot = u.sendScreenshot
	if opts.Speech != nil {
		opts.Speech.Withhold(u.welcome.Secrets)
	}
	u.listenForKeys()
	u.Show(localapi.Status{State: localapi.StateOutOfService, Reason: screens.ReasonStarting})
	return u
}

// Run follows the agent's status until ctx ends. Statuses are shown on the
// UI goroutine; a ticker keeps the time left current between them.
func (u *UI) Run(ctx context.Context) {
	statuses := u.agent.Watch(ctx)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case st, ok := <-statuses:
			if !ok {
				return
			}
			u.opts.Do(func() { u.Show(st) })
		case <-tick.C:
			u.opts.Do(func() {
				u.bar.Tick()
				u.welcome.Tick()
				u.player.Tick()
			})
		case <-ctx.Done():
			return
		}
	}
}

// Show shows st; it must run on the UI goroutine.
func (u *UI) Show(st localapi.Status) {
	u.st = st
	u.applyTheme(st.Accessibility)
	next := u.screenFor(st.State)
	if st.Kind == protocol.KindScreen && st.State != localapi.StateOutOfService {
		next = u.player
	}
	if next != u.welcome {
		u.welcome.Reset() // nothing the last visitor typed survives their session
	}
	next.Update(st)
	u.message.Update(st)
	changed := next != u.current
	if changed {
		u.current = next
		u.win.SetContent(container.NewBorder(u.message.Object(), nil, nil, nil, next.Object()))
		u.fitWindow()
	}
	u.applySpeech(st, changed)
	if f, ok := next.(screens.Focuser); ok && changed {
		f.Focus() // after SetContent: focus needs the screen on the canvas
	}
}

// Current returns the screen on show.
func (u *UI) Current() screens.Screen { return u.current }

func (u *UI) screenFor(s localapi.State) screens.Screen {
	switch s {
	case localapi.StateIdle, localapi.StateAuthenticating:
		return u.welcome
	case localapi.StateActive, localapi.StateWarning:
		return u.bar
	case localapi.StateEnding, localapi.StateWiping:
		return u.ending
	}
	return u.oos
}

// applyTheme switches the look only when the choice changed, because a
// theme change redraws every widget.
func (u *UI) applyTheme(a localapi.Accessibility) {
	a.TextScale = kiosktheme.ClampScale(a.TextScale)
	if u.theme != nil && *u.theme == a {
		return
	}
	u.theme = &a
	u.app.Settings().SetTheme(kiosktheme.New(a))
	// fyne redraws what is on the canvas; the screens not on show keep the
	// colours and sizes their widgets were drawn with (light fields with
	// white text after a switch to high contrast) unless refreshed too.
	for _, s := range u.screens() {
		s.Object().Refresh()
	}
	u.message.Object().Refresh()
	if u.current != nil {
		u.fitWindow()
	}
}

// screens are every screen the UI has.
func (u *UI) screens() []screens.Screen {
	return []screens.Screen{u.welcome, u.bar, u.ending, u.oos}
}

// fitWindow sizes the window for the screen on show. fyne has no
// always-on-top window: the OS session (see installers) keeps the compact
// session bar above the visitor's programs by its window title.
// Fit sizes the window for the screen on show again, e.g. after the
// texts changed size.
func (u *UI) Fit() { u.fitWindow() }

func (u *UI) fitWindow() {
	if u.current != u.bar {
		u.win.SetFullScreen(u.opts.FullScreen)
		if !u.opts.FullScreen {
			u.win.Resize(u.opts.WindowSize)
		}
		return
	}
	u.win.SetFullScreen(false)
	content := u.win.Content()
	w := min(u.bar.PreferredWidth(), u.opts.MaxBarWidth)
	// Lay out at the final width first: wrapped text is only as tall as
	// the width it was given.
	content.Resize(fyne.NewSize(w, content.MinSize().Height))
	u.win.Resize(fyne.NewSize(w, content.MinSize().Height))
}

// sendScreenshot gives the agent the player's screenshot, off the UI
// goroutine.
func (u *UI) sendScreenshot(id string, png []byte) {
	s, ok := u.agent.(interface {
		SignageScreenshot(ctx context.Context, id string, png []byte) error
	})
	if !ok {
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		s.SignageScreenshot(ctx, id, png)
	}()
}
