package screens

import (
	"context"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"piste/agent/localapi"
	"piste/kiosk-ui/i18n"
)

// Welcome is the idle screen: language and accessibility first, then
// library card + PIN, guest pass, a reservation notice and why the last
// login was refused, and a form to reserve this computer.
type Welcome struct {
	env      *Env
	st       localapi.Status
	controls *Controls
	help     *HelpIndicator
	reserve  *ReserveForm

	title, subtitle                *widget.Label
	cardTitle, cardLabel, pinLabel *widget.Label
	card, pin                      *Entry
	login                          *Button
	guestTitle, guestLabel         *widget.Label
	guestCode                      *Entry
	guest                          *Button
	reservation, feedback          *widget.Label
	pending                        bool
	reserveOpen                    bool
	forms                          fyne.CanvasObject        // the card and guest pass forms, out of the reserve form's way
	feedbackText                   func(lang string) string // kept as a function so a language switch re-translates it
	lastStatusRefusal              *localapi.Refusal
	obj                            fyne.CanvasObject
}

// NewWelcome builds the welcome screen.
func NewWelcome(env *Env) *Welcome {
	w := &Welcome{env: env, controls: NewControls(env), help: NewHelpIndicator(env), reserve: NewReserveForm(env),
		title: heading(), subtitle: text(widget.MediumImportance),
		cardTitle: heading(), cardLabel: widget.NewLabel(""), pinLabel: widget.NewLabel(""),
		card: newEntry(env, false), pin: newEntry(env, true),
		guestTitle: heading(), guestLabel: widget.NewLabel(""), guestCode: newEntry(env, false),
		reservation: text(widget.WarningImportance), feedback: text(widget.DangerImportance)}
	w.cardTitle.SizeName, w.guestTitle.SizeName = theme.SizeNameSubHeadingText, theme.SizeNameSubHeadingText
	w.login = newButton(env, w.submitCard)
	w.login.Importance = widget.HighImportance
	w.guest = newButton(env, w.submitGuest)
	w.card.OnSubmitted = func(string) { w.env.focus(w.pin) }
	w.pin.OnSubmitted = func(string) { w.submitCard() }
	w.guestCode.OnSubmitted = func(string) { w.submitGuest() }
	w.reservation.Hide()
	w.feedback.Hide()

	cardForm := container.New(layout.NewFormLayout(), w.cardLabel, w.card, w.pinLabel, w.pin)
	cardBox := container.NewVBox(w.cardTitle, cardForm, container.NewHBox(w.login))
	guestForm := container.New(layout.NewFormLayout(), w.guestLabel, w.guestCode)
	// The reserve button sits under the guest pass, where the taller card
	// form leaves room; the reserve form takes the place of both forms.
	guestBox := container.NewVBox(w.guestTitle, guestForm, container.NewHBox(w.guest), container.NewHBox(w.reserve.Button()))
	w.forms = container.NewGridWithColumns(2, cardBox, guestBox)
	w.reserve.OnOpen = func() { w.reserving(true) }
	w.reserve.OnClose = func() { w.reserving(false) }
	top := container.NewBorder(nil, nil, nil, w.help.Object(), w.controls.Object())
	w.obj = fullScreen(container.NewVBox(
		top, widget.NewSeparator(),
		w.title, w.subtitle, w.reservation, w.feedback,
		w.forms, w.reserve.Object()))
	return w
}

// Object returns the screen's content.
func (w *Welcome) Object() fyne.CanvasObject { return w.obj }

// Update shows st.
func (w *Welcome) Update(st localapi.Status) {
	w.st = st
	lang := langOf(st)
	w.controls.Update(st)
	w.help.Update(st)
	w.reserve.Update(st)
	setText(w.title, i18n.T(lang, "welcome.title"))
	setText(w.subtitle, i18n.T(lang, "welcome.subtitle"))
	setText(w.cardTitle, i18n.T(lang, "login.title"))
	setText(w.cardLabel, i18n.T(lang, "login.card"))
	setText(w.pinLabel, i18n.T(lang, "login.pin"))
	w.login.SetText(i18n.T(lang, "login.submit"))
	setText(w.guestTitle, i18n.T(lang, "guest.title"))
	setText(w.guestLabel, i18n.T(lang, "guest.code"))
	w.guest.SetText(i18n.T(lang, "guest.submit"))
	w.showReservation(lang, st.Reservation)
	if st.Refusal != nil && !sameRefusal(st.Refusal, w.lastStatusRefusal) {
		ref := *st.Refusal
		w.setFeedback(func(lang string) string { return refusalText(lang, &ref) })
	}
	w.lastStatusRefusal = st.Refusal
	busy := w.checking()
	enable(w.login, !busy)
	enable(w.guest, !busy)
	w.renderFeedback()
}

func sameRefusal(a, b *localapi.Refusal) bool {
	return b != nil && *a == *b
}

func (w *Welcome) showReservation(lang string, r *localapi.Reservation) {
	if r == nil {
		w.reservation.Hide()
		return
	}
	now := w.env.now()
	key, plain, at := "reservation.from", "reservation.from_nohint", r.From
	if !now.Before(r.From) {
		key, plain, at = "reservation.now", "reservation.now_nohint", r.Until
	}
	clock := at.In(now.Location()).Format("15:04")
	if r.CardHint == "" {
		setText(w.reservation, i18n.T(lang, plain, clock))
	} else {
		setText(w.reservation, i18n.T(lang, key, clock, r.CardHint))
	}
	w.reservation.Show()
}

// reserving gives the reserve form the room of the login forms, so that
// it fits at 200 % text too.
func (w *Welcome) reserving(open bool) {
	w.reserveOpen = open
	showIf(w.forms, !open)
	showIf(w.title, !open) // the form has its own
	showIf(w.subtitle, !open)
	w.renderFeedback()
}

func (w *Welcome) setFeedback(f func(lang string) string) {
	w.feedbackText = f
	w.renderFeedback()
}

// checking is true while a login is on its way to the library system.
func (w *Welcome) checking() bool {
	return w.pending || w.st.State == localapi.StateAuthenticating
}

func (w *Welcome) renderFeedback() {
	lang := langOf(w.st)
	msg, imp := "", widget.DangerImportance
	switch {
	case w.reserveOpen:
		// The reserve form speaks for itself; the login's words would confuse.
	case w.checking():
		msg, imp = i18n.T(lang, "login.checking"), widget.MediumImportance
	case w.feedbackText != nil:
		msg = w.feedbackText(lang)
	}
	if w.feedback.Importance != imp {
		w.feedback.Importance = imp
		w.feedback.Refresh()
	}
	setText(w.feedback, msg)
	showIf(w.feedback, msg != "")
}

func (w *Welcome) submitCard() {
	card := strings.TrimSpace(w.card.Text)
	pin := w.pin.Text
	switch {
	case w.pending:
		return
	case card == "":
		w.setFeedback(func(lang string) string { return i18n.T(lang, "login.missing_card") })
		w.env.focus(w.card)
		return
	case pin == "":
		w.setFeedback(func(lang string) string { return i18n.T(lang, "login.missing_pin") })
		w.env.focus(w.pin)
		return
	}
	w.pin.SetText("") // the PIN lives no longer than the request
	w.start(func(ctx context.Context) error {
		return w.env.Agent.Login(ctx, localapi.LoginRequest{Card: card, PIN: pin})
	}, w.pin)
}

func (w *Welcome) submitGuest() {
	code := strings.TrimSpace(w.guestCode.Text)
	if w.pending {
		return
	}
	if code == "" {
		w.setFeedback(func(lang string) string { return i18n.T(lang, "guest.missing_code") })
		w.env.focus(w.guestCode)
		return
	}
	w.start(func(ctx context.Context) error {
		return w.env.Agent.Guest(ctx, localapi.GuestRequest{Code: code})
	}, w.guestCode)
}

// start sends a login intent; on a refusal the focus returns to retry.
func (w *Welcome) start(call func(context.Context) error, retry fyne.Focusable) {
	w.pending = true
	w.feedbackText = nil
	w.Update(w.st)
	w.env.run(call, func(err error) {
		w.pending = false
		if err != nil {
			w.setFeedback(func(lang string) string { return errorText(lang, err) })
			w.env.focus(retry)
		} else {
			w.feedbackText = nil
			w.card.SetText("")
			w.guestCode.SetText("")
		}
		w.Update(w.st)
	})
}

// Reset clears what a visitor typed, for the next visitor.
func (w *Welcome) Reset() {
	w.card.SetText("")
	w.pin.SetText("")
	w.guestCode.SetText("")
	w.feedbackText = nil
	w.renderFeedback()
	w.reserve.Hide()
}
