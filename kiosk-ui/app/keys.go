package app

import (
	"context"
	"log/slog"
	"time"

	"fyne.io/fyne/v2"

	"piste/agent/localapi"
	"piste/kiosk-ui/i18n"
	"piste/kiosk-ui/screens"
	kiosktheme "piste/kiosk-ui/theme"
)

// The kiosk-wide keys. They work wherever the focus is in the kiosk's
// window: the screens' controls pass them on (screens.Env.Keys), and the
// canvas takes them while nothing has the focus. From the visitor's other
// programs, the OS session binds KeyForward to `piste-kiosk -forward`
// (see docs/accessibility.md), which sends the kiosk SIGUSR1.
const (
	// KeySpeech turns speech on and off.
	KeySpeech = fyne.KeyF1
	// KeyForward brings the session bar to the front, focus on "Add more time".
	KeyForward = fyne.KeyF2
	// KeyClose closes the open question or form, as its No or Close would.
	KeyClose = fyne.KeyEscape
)

func (u *UI) listenForKeys() {
	u.env.Keys = u.key
	u.win.Canvas().SetOnTypedKey(func(ev *fyne.KeyEvent) { u.key(ev) })
}

// key acts on a kiosk-wide key and reports whether ev was one.
func (u *UI) key(ev *fyne.KeyEvent) bool {
	switch ev.Name {
	case KeySpeech:
		u.toggleSpeech()
	case KeyForward:
		u.Forward()
	case KeyClose:
		if u.message.Shown() {
			u.message.Dismiss()
			return true
		}
		e, ok := u.current.(screens.Escaper)
		return ok && e.Escape()
	default:
		return false
	}
	return true
}

// Forward brings the session bar to the front with the focus on its
// answer; between sessions it only raises the window.
func (u *UI) Forward() {
	u.win.RequestFocus()
	if u.current == u.bar {
		u.bar.Forward()
	}
}

// toggleSpeech asks the agent to turn speech on or off; the agent keeps the
// choice (until the session ends), and the next status applies it.
func (u *UI) toggleSpeech() {
	a := u.st.Accessibility
	a.Speech = !a.Speech
	a.TextScale = kiosktheme.ClampScale(a.TextScale)
	u.spoken.toggled = true
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), intentTimeout)
		defer cancel()
		if err := u.agent.SetAccessibility(ctx, a); err != nil {
			slog.Warn("kiosk: turn speech on or off", "err", err)
		}
	}()
}

// intentTimeout bounds the app's own intents (the screens have theirs).
const intentTimeout = 30 * time.Second

// speechState is what the speaker was last told.
type speechState struct {
	on      bool
	lang    string
	rate    int
	toggled bool // by F1 since: say so
}

// applySpeech follows the agent's speech choice: on the way on it says so
// and what is on screen; on a new screen it says the screen's title and
// purpose; on the way off (F1, or the end of the session) it falls silent.
func (u *UI) applySpeech(st localapi.Status, screenChanged bool) {
	sp := u.opts.Speech
	if sp == nil {
		return
	}
	a, lang := st.Accessibility, st.Language
	if !i18n.Supported(lang) {
		lang = i18n.Fallback
	}
	was := u.spoken
	u.spoken = speechState{on: a.Speech, lang: lang, rate: a.SpeechRate}
	sp.Set(a.Speech, lang, a.SpeechRate)
	switch {
	case a.Speech && !was.on:
		sp.Interrupt(i18n.T(lang, "speech.on"))
		u.announce(false)
	case !a.Speech && was.on && was.toggled:
		sp.Announce(lang, i18n.T(lang, "speech.off"))
	case a.Speech && (screenChanged || lang != was.lang):
		u.announce(true)
	}
}

// announce says the current screen's title and purpose.
func (u *UI) announce(urgent bool) {
	an, ok := u.current.(screens.Announcer)
	if !ok {
		return
	}
	if urgent {
		u.opts.Speech.Interrupt(an.Announcement())
		return
	}
	u.opts.Speech.Say(an.Announcement())
}
