package app

import (
	"context"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	fynetheme "fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"piste/agent/localapi"
	"piste/agent/localapi/localapitest"
	"piste/fleet/protocol"
	"piste/kiosk-ui/i18n"
	"piste/kiosk-ui/internal/uitest"
	"piste/kiosk-ui/screens"
	kiosktheme "piste/kiosk-ui/theme"
)

var fixedNow = time.Date(2025, 3, 14, 10, 0, 0, 0, time.Local)

func idle(lang string) localapi.Status {
	return localapi.Status{State: localapi.StateIdle, Language: lang, Version: "test",
		Accessibility: localapi.Accessibility{TextScale: 100}}
}

// rig is the whole kiosk against a scripted agent on a real unix socket.
type rig struct {
	t   *testing.T
	q   *uitest.Queue
	ctl *localapitest.Scripted
	srv *localapitest.Server
	cl  *localapi.Client
	app fyne.App
	win fyne.Window
	ui  *UI
}

func newRig(t *testing.T, st localapi.Status) *rig {
	t.Helper()
	return newRigWith(t, st, Options{})
}

// newRigWith builds the rig with opts (FullScreen, Do and Now are the rig's).
func newRigWith(t *testing.T, st localapi.Status, opts Options) *rig {
	t.Helper()
	a := test.NewTempApp(t)
	ctl := localapitest.NewScripted(st)
	srv, cl := localapitest.Start(t, ctl)
	cl.WatchGrace = 100 * time.Millisecond
	q := uitest.NewQueue()
	win := a.NewWindow("")
	t.Cleanup(win.Close)
	opts.FullScreen, opts.Do, opts.Now = true, q.Do, func() time.Time { return fixedNow }
	ui := New(a, win, cl, opts)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); ui.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return &rig{t: t, q: q, ctl: ctl, srv: srv, cl: cl, app: a, win: win, ui: ui}
}

func (r *rig) waitScreen(want screens.Screen) {
	r.t.Helper()
	r.q.WaitFor(r.t, "screen change", func() bool { return r.ui.Current() == want })
}

// find returns the first widget of type T under the window whose text is text.
func find[T fyne.CanvasObject](t *testing.T, win fyne.Window, text string) T {
	t.Helper()
	var found T
	ok := false
	uitest.Walk(win.Content(), func(o fyne.CanvasObject, _ fyne.Position) {
		if ok {
			return
		}
		if w, is := o.(T); is && textOf(o) == text {
			found, ok = w, true
		}
	})
	require.True(t, ok, "no visible %T %q on screen", found, text)
	return found
}

func textOf(o fyne.CanvasObject) string {
	switch w := o.(type) {
	case *screens.Button:
		return w.Text
	case *widget.Label:
		return w.Text
	case *screens.Entry:
		return w.PlaceHolder
	}
	return ""
}

func TestStartsOnWaitScreenThenFollowsAgent(t *testing.T) {
	r := newRig(t, idle("sv"))
	r.waitScreen(r.ui.welcome)
	assert.Equal(t, WindowTitle, r.win.Title(), "the OS session finds the window by its title")
	assert.True(t, r.win.FullScreen())
}

func TestWholeVisitorSession(t *testing.T) {
	r := newRig(t, idle("en"))
	r.ctl.OnCall("Login", func(st *localapi.Status, _ any) {
		st.State = localapi.StateActive
		st.Session = &localapi.Session{ID: "s", Kind: protocol.SessionCard, EndsAt: fixedNow.Add(60 * time.Minute), CanExtend: true}
	})
	r.ctl.OnCall("Extend", func(st *localapi.Status, _ any) {
		st.State = localapi.StateActive
		st.Session.EndsAt = st.Session.EndsAt.Add(30 * time.Minute)
	})
	r.ctl.OnCall("End", func(st *localapi.Status, _ any) { st.State, st.Session = localapi.StateEnding, nil })
	r.waitScreen(r.ui.welcome)

	// Log in with card and PIN.
	entries := []*screens.Entry{}
	uitest.Walk(r.win.Content(), func(o fyne.CanvasObject, _ fyne.Position) {
		if e, ok := o.(*screens.Entry); ok {
			entries = append(entries, e)
		}
	})
	require.Len(t, entries, 2, "card and PIN; the guest pass form opens when asked for")
	test.Type(entries[0], "2000123")
	test.Type(entries[1], "4321")
	test.Tap(find[*screens.Button](t, r.win, "Log in"))
	r.waitScreen(r.ui.bar)
	assert.False(t, r.win.FullScreen(), "the session is a compact bar")
	assert.Less(t, r.win.Canvas().Size().Height, float32(400))
	find[*widget.Label](t, r.win, "Time left 60 min")

	// The warning comes, the visitor extends.
	r.ctl.Update(func(st *localapi.Status) {
		st.State = localapi.StateWarning
		st.Session.EndsAt = fixedNow.Add(5 * time.Minute)
	})
	r.q.WaitFor(t, "warning", func() bool { return r.ui.bar.Object().Visible() && hasText(r.win, i18n.T("en", "warning.text", 5)) })
	heightWithWarning := r.win.Canvas().Size().Height
	test.Tap(find[*screens.Button](t, r.win, "Add more time"))
	r.q.WaitFor(t, "extended", func() bool { return hasText(r.win, "Time left 35 min") })
	assert.Less(t, r.win.Canvas().Size().Height, heightWithWarning, "the bar shrinks back without the warning")

	// End the session: confirm, then the cleanup screen, then a fresh welcome.
	test.Tap(find[*screens.Button](t, r.win, "Log out"))
	test.Tap(find[*screens.Button](t, r.win, "Yes, log out"))
	r.waitScreen(r.ui.ending)
	assert.True(t, r.win.FullScreen())
	r.ctl.Update(func(st *localapi.Status) { st.State = localapi.StateWiping })
	r.q.WaitFor(t, "wiping text", func() bool { return hasText(r.win, i18n.T("en", "wiping.title")) })
	r.ctl.Update(func(st *localapi.Status) { st.State = localapi.StateIdle })
	r.waitScreen(r.ui.welcome)
	assert.Empty(t, entries[0].Text+entries[1].Text, "nothing typed survives the session")

	var methods []string
	for _, c := range r.ctl.Calls() {
		methods = append(methods, c.Method)
	}
	assert.Equal(t, []string{"Login", "Extend", "End"}, methods)
}

func hasText(win fyne.Window, text string) bool {
	found := false
	uitest.Walk(win.Content(), func(o fyne.CanvasObject, _ fyne.Position) {
		found = found || textOf(o) == text
	})
	return found
}

func TestLookFollowsAgentAccessibility(t *testing.T) {
	r := newRig(t, idle("fi"))
	r.waitScreen(r.ui.welcome)
	r.ctl.OnCall("SetAccessibility", func(st *localapi.Status, arg any) { st.Accessibility = arg.(localapi.Accessibility) })
	r.ctl.OnCall("SetLanguage", func(st *localapi.Status, arg any) { st.Language = arg.(localapi.LanguageRequest).Language })

	test.Tap(find[*screens.Button](t, r.win, "Suurempi teksti"))
	r.q.WaitFor(t, "125 % text", func() bool {
		return r.app.Settings().Theme().Size(fynetheme.SizeNameText) == 25
	})
	check := find[*screens.Check](t, r.win, "")
	test.Tap(check)
	r.q.WaitFor(t, "high contrast", func() bool {
		th, ok := r.app.Settings().Theme().(*kiosktheme.Theme)
		return ok && th.HighContrast()
	})
	test.Tap(find[*screens.Button](t, r.win, "English"))
	r.q.WaitFor(t, "English", func() bool { return hasText(r.win, "Welcome to the library") })
	assert.Equal(t, localapi.Accessibility{TextScale: 125, HighContrast: true}, r.ctl.Status().Accessibility,
		"the choice lives in the agent, so it survives a UI restart and resets with the session")
}

func TestAgentRestartShowsOutOfServiceThenRecovers(t *testing.T) {
	r := newRig(t, idle("fi"))
	r.waitScreen(r.ui.welcome)
	require.NoError(t, r.srv.Stop())
	r.waitScreen(r.ui.oos)
	assert.True(t, hasText(r.win, i18n.T("fi", "oos.agent_unreachable")), "still in the visitor's language")

	localapitest.Serve(t, r.srv.Path, r.ctl)
	r.waitScreen(r.ui.welcome)
}

func TestMessageBannerOverEveryScreen(t *testing.T) {
	r := newRig(t, idle("en"))
	r.waitScreen(r.ui.welcome)
	r.ctl.Update(func(st *localapi.Status) {
		st.Message = &localapi.Message{ID: "m1", Text: "Closing at 16 today."}
	})
	r.q.WaitFor(t, "message", func() bool { return hasText(r.win, "Closing at 16 today.") })
	test.Tap(find[*screens.Button](t, r.win, "OK"))
	assert.False(t, hasText(r.win, "Closing at 16 today."))
}
