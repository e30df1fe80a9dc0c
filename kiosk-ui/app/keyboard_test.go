package app

import (
	"fmt"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"piste/agent/localapi"
	"piste/fleet/protocol"
	"piste/kiosk-ui/screens"
)

// press sends a key as the keyboard does: to the focused control, or to
// the window while nothing has the focus.
func (r *rig) press(name fyne.KeyName) {
	r.t.Helper()
	ev := &fyne.KeyEvent{Name: name}
	if f := r.win.Canvas().Focused(); f != nil {
		f.TypedKey(ev)
		return
	}
	r.win.Canvas().OnTypedKey()(ev)
}

// typeText types s into the focused control, one key at a time, as a
// keyboard or a barcode scanner does.
func (r *rig) typeText(s string) {
	r.t.Helper()
	f := r.win.Canvas().Focused()
	require.NotNil(r.t, f, "typing %q with nothing focused", s)
	for _, c := range s {
		f.TypedRune(c)
	}
}

// tab moves the focus as Tab does.
func (r *rig) tab() { test.FocusNext(r.win.Canvas()) }

// focusedText is the text of the focused button, or "" for another control.
func (r *rig) focusedText() string {
	if b, ok := r.win.Canvas().Focused().(*screens.Button); ok {
		return b.Text
	}
	return ""
}

// tabTo tabs until the button with text has the focus.
func (r *rig) tabTo(text string) {
	r.t.Helper()
	for range 30 {
		if r.focusedText() == text {
			return
		}
		r.tab()
	}
	r.t.Fatalf("Tab never reached %q", text)
}

func sessionRig(t *testing.T, opts Options) *rig {
	r := newRigWith(t, idle("en"), opts)
	r.ctl.OnCall("Login", func(st *localapi.Status, _ any) {
		st.State = localapi.StateActive
		st.Session = &localapi.Session{ID: "s", Kind: protocol.SessionCard, EndsAt: fixedNow.Add(60 * time.Minute), CanExtend: true}
	})
	r.ctl.OnCall("Extend", func(st *localapi.Status, _ any) {
		st.State = localapi.StateActive
		st.Session.EndsAt = st.Session.EndsAt.Add(30 * time.Minute)
	})
	r.ctl.OnCall("RequestHelp", func(st *localapi.Status, _ any) { st.Help = &localapi.Help{ID: "h", Status: "open"} })
	r.ctl.OnCall("SetAccessibility", func(st *localapi.Status, arg any) { st.Accessibility = arg.(localapi.Accessibility) })
	r.ctl.OnCall("End", func(st *localapi.Status, _ any) {
		st.State, st.Session, st.Help = localapi.StateEnding, nil, nil
		st.Accessibility = localapi.Accessibility{TextScale: 100} // the agent resets the visitor's choices
	})
	return r
}

// TestKeyboardOnlySession logs in, extends, asks for help and logs out
// with keys alone, the way a visitor who cannot use a mouse would.
func TestKeyboardOnlySession(t *testing.T) {
	r := sessionRig(t, Options{})
	r.waitScreen(r.ui.welcome)

	// A barcode scanner types the card's digits and Enter: no tap first.
	_, isEntry := r.win.Canvas().Focused().(*screens.Entry)
	require.True(t, isEntry, "the card field has the focus when the welcome screen appears")
	r.typeText("2000123")
	r.press(fyne.KeyReturn)
	r.typeText("4321")
	r.press(fyne.KeyReturn)
	r.waitScreen(r.ui.bar)
	assert.Equal(t, localapi.LoginRequest{Card: "2000123", PIN: "4321"}, r.ctl.Calls()[0].Arg)

	// The warning comes: the bar takes the focus on "Add more time"; Enter extends.
	r.ctl.Update(func(st *localapi.Status) {
		st.State = localapi.StateWarning
		st.Session.EndsAt = fixedNow.Add(5 * time.Minute)
	})
	r.q.WaitFor(t, "focus on Add more time", func() bool { return r.focusedText() == "Add more time" })
	r.press(fyne.KeyReturn)
	r.q.WaitFor(t, "extended", func() bool { return hasText(r.win, "Time left 35 min") })

	// Away in another program, F2 brings the bar back; Enter asks for help.
	r.win.Canvas().Unfocus()
	r.press(KeyForward)
	assert.Equal(t, "Ask for help", r.focusedText())
	r.press(fyne.KeyReturn)
	// The form opens with the note field focused; Shift+Tab goes back past
	// the languages to the topics, Space picks one, Tab reaches "send".
	radios := 0
	for range 30 {
		test.FocusPrevious(r.win.Canvas())
		if fmt.Sprintf("%T", r.win.Canvas().Focused()) == "*widget.radioItem" {
			if radios++; radios > len(protocol.HelpLanguages) {
				break
			}
		}
	}
	require.Greater(t, radios, len(protocol.HelpLanguages), "Shift+Tab reaches the topics")
	r.win.Canvas().Focused().TypedRune(' ')
	r.tabTo("Ask for a volunteer")
	r.press(fyne.KeyReturn)
	r.q.WaitFor(t, "help requested", func() bool { return r.ctl.Status().Help != nil })
	assert.Equal(t, "other", r.ctl.Calls()[len(r.ctl.Calls())-1].Arg.(localapi.HelpRequest).Topic, "the last topic was picked by keys")

	// Log out: the question opens on "No"; Escape answers No; then Yes.
	r.tabTo("Log out")
	r.press(fyne.KeySpace)
	assert.Equal(t, "No, continue", r.focusedText(), "the safe answer has the focus")
	r.press(KeyClose)
	assert.Equal(t, "Log out", r.focusedText(), "Escape closes the question and returns the focus")
	r.press(fyne.KeyReturn)
	r.tabTo("Yes, log out")
	r.press(fyne.KeyReturn)
	r.waitScreen(r.ui.ending)

	var methods []string
	for _, c := range r.ctl.Calls() {
		methods = append(methods, c.Method)
	}
	assert.Equal(t, []string{"Login", "Extend", "RequestHelp", "End"}, methods)
}

func TestEscapeClosesTheWelcomeForms(t *testing.T) {
	r := sessionRig(t, Options{})
	r.waitScreen(r.ui.welcome)
	r.tabTo("Reserve this computer")
	r.press(fyne.KeyReturn)
	require.True(t, hasText(r.win, "Reserve"), "the reserve form is open")
	r.press(KeyClose)
	assert.Equal(t, "Reserve this computer", r.focusedText(), "Escape closes the form, focus back on its button")
	assert.True(t, hasText(r.win, "Log in"), "the log-in is back")
}
