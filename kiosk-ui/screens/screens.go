// Package screens holds the kiosk's visitor screens. Each screen shows a
// localapi.Status (Update) and turns the visitor's taps and typing into
// intents for the agent; none keeps state the agent should own.
package screens

import (
	"context"
	"errors"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"piste/agent/localapi"
	"piste/kiosk-ui/i18n"
)

// Agent is what the screens ask of the agent: the intents of
// localapi.Controller. *localapi.Client implements it.
type Agent interface {
	Login(ctx context.Context, req localapi.LoginRequest) error
	Guest(ctx context.Context, req localapi.GuestRequest) error
	Reserve(ctx context.Context, req localapi.ReserveRequest) error
	Extend(ctx context.Context) error
	StillHere(ctx context.Context) error
	End(ctx context.Context) error
	SetLanguage(ctx context.Context, req localapi.LanguageRequest) error
	SetAccessibility(ctx context.Context, req localapi.Accessibility) error
	RequestHelp(ctx context.Context, req localapi.HelpRequest) error
	CancelHelp(ctx context.Context) error
	SayHelp(ctx context.Context, req localapi.HelpMessageRequest) error
	// The visitor's remembered settings (localapi.MyDataController).
	MyData(ctx context.Context) (localapi.MyData, error)
	RememberSettings(ctx context.Context) (localapi.MyData, error)
	ForgetMyData(ctx context.Context) (localapi.MyData, error)
}

// intentTimeout bounds one intent; a login may wait for the library system.
const intentTimeout = 60 * time.Second

// Env is what every screen needs besides the status.
type Env struct {
	Agent Agent
	// Do runs f on the UI goroutine: fyne.Do in the app; tests queue and
	// run it on the test goroutine so that widget access stays race-free.
	Do func(f func())
	// Now is the clock for reservation times and time left.
	Now func() time.Time
	// Say speaks a text after what is being said when the visitor turned
	// speech on; Alert cuts short what is being said (a warning, a
	// refusal). nil means no speech. Screens say titles, focused controls,
	// statuses and warnings, never what is typed into a field. Both run on
	// the UI goroutine.
	Say, Alert func(text string)
	// Keys takes the kiosk-wide keys (F1 speech, Escape, F2 session bar)
	// from whichever control has the focus; it reports whether it took ev.
	Keys func(ev *fyne.KeyEvent) bool
}

func (e *Env) say(text string) {
	if e.Say != nil && strings.TrimSpace(text) != "" {
		e.Say(text)
	}
}

func (e *Env) alert(text string) {
	if e.Alert != nil && strings.TrimSpace(text) != "" {
		e.Alert(text)
	}
}

func (e *Env) key(ev *fyne.KeyEvent) bool {
	return e.Keys != nil && e.Keys(ev)
}

// run calls an intent off the UI goroutine, so a slow agent never freezes
// the screen, and hands its error to done back on the UI goroutine.
func (e *Env) run(call func(ctx context.Context) error, done func(err error)) {
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), intentTimeout)
		defer cancel()
		err := call(ctx)
		e.Do(func() { done(err) })
	}()
}

func (e *Env) now() time.Time {
	if e.Now == nil {
		return time.Now()
	}
	return e.Now()
}

// focus moves the keyboard focus to f, e.g. back to the PIN after a refusal.
func (e *Env) focus(f fyne.Focusable) {
	obj, ok := f.(fyne.CanvasObject)
	if !ok {
		return
	}
	if c := fyne.CurrentApp().Driver().CanvasForObject(obj); c != nil {
		c.Focus(f)
	}
}

// Screen is one view of the kiosk.
type Screen interface {
	// Object is the screen's content.
	Object() fyne.CanvasObject
	// Update shows st; it runs on the UI goroutine.
	Update(st localapi.Status)
}

// Announcer is a screen that can say what it is and what it is for, in
// one or two sentences, when it appears or speech is turned on.
type Announcer interface {
	Announcement() string
}

// Focuser is a screen that puts the keyboard focus where the visitor
// starts when it appears (the card field, "Add more time").
type Focuser interface {
	Focus()
}

// Escaper is a screen with something Escape closes (a question, a form);
// Escape reports whether there was.
type Escaper interface {
	Escape() bool
}

// langOf returns st's language, or the fallback before the agent chose one.
func langOf(st localapi.Status) string {
	if i18n.Supported(st.Language) {
		return st.Language
	}
	return i18n.Fallback
}

// errorText says in lang what went wrong with an intent.
func errorText(lang string, err error) string {
	var ref *localapi.Refusal
	if errors.As(err, &ref) {
		return refusalText(lang, ref)
	}
	return i18n.T(lang, "error.agent")
}

// text returns a word-wrapping label, the kind every sentence uses so that
// nothing is cut off at 200 %.
func text(importance widget.Importance) *widget.Label {
	l := widget.NewLabel("")
	l.Wrapping = fyne.TextWrapWord
	l.Importance = importance
	return l
}

// heading returns a bold heading label.
func heading() *widget.Label {
	l := text(widget.MediumImportance)
	l.TextStyle.Bold = true
	l.SizeName = theme.SizeNameHeadingText
	return l
}

// setText changes a label only when its text differs, to spare refreshes.
func setText(l *widget.Label, s string) {
	if l.Text != s {
		l.SetText(s)
	}
}

// showIf shows o when cond holds.
func showIf(o fyne.CanvasObject, cond bool) {
	if cond == o.Visible() {
		return
	}
	if cond {
		o.Show()
	} else {
		o.Hide()
	}
}
