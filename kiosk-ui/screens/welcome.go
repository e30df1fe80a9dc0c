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

// Welcome is the idle screen, a library's front door: the library's name,
// the day and the time, the languages as words, one clear way in (library
// card and PIN, with the card field ready for typing or a barcode
// scanner), and the guest pass and reserving this computer as the other
// ways. The top right corner holds the help indicator; a larger "I need
// help" button goes beside it (helpSlot).
type Welcome struct {
	env      *Env
	st       localapi.Status
	controls *Controls
	help     *HelpIndicator
	reserve  *ReserveForm

	library, clock         *widget.Label
	speechHint             *widget.Label
	title, subtitle        *widget.Label
	cardLabel, pinLabel    *widget.Label
	loginHelp              *widget.Label
	card, pin              *Entry
	login                  *Button
	otherWays              *widget.Label
	guestOpen, easy        *Button
	guestTitle, guestLabel *widget.Label
	guestCode              *Entry
	guest                  *Button
	guestBox               fyne.CanvasObject
	reservation, feedback  *widget.Label
	pending                bool
	reserveOpen            bool
	easyOn                 bool                     // easy language (selkokieli, lättläst) for this visitor
	forms                  fyne.CanvasObject        // the ways in, out of the reserve form's way
	helpSlot               *fyne.Container          // the top right corner, for the help buttons
	feedbackText           func(lang string) string // kept as a function so a language switch re-translates it
	lastStatusRefusal      *localapi.Refusal
	obj                    fyne.CanvasObject
}

// easyKeys are the welcome texts that have an easy-language wording.
var easyKeys = map[string]string{
	"welcome.title":      "welcome.title.easy",
	"welcome.subtitle":   "welcome.subtitle.easy",
	"welcome.login_help": "welcome.login_help.easy",
	"welcome.other_ways": "welcome.other_ways.easy",
}

// NewWelcome builds the welcome screen.
func NewWelcome(env *Env) *Welcome {
	w := &Welcome{env: env, controls: NewControls(env), help: NewHelpIndicator(env), reserve: NewReserveForm(env),
		library: heading(), clock: widget.NewLabel(""), speechHint: text(widget.MediumImportance),
		title: heading(), subtitle: text(widget.MediumImportance),
		cardLabel: widget.NewLabel(""), pinLabel: widget.NewLabel(""), loginHelp: text(widget.MediumImportance),
		card: newEntry(env, false), pin: newEntry(env, true), otherWays: widget.NewLabel(""),
		guestTitle: heading(), guestLabel: widget.NewLabel(""), guestCode: newEntry(env, false),
		reservation: text(widget.WarningImportance), feedback: text(widget.DangerImportance)}
	w.library.SizeName = theme.SizeNameSubHeadingText
	w.guestTitle.SizeName, w.otherWays.SizeName = theme.SizeNameSubHeadingText, theme.SizeNameSubHeadingText
	w.speechHint.SizeName = theme.SizeNameCaptionText
	w.login = newButton(env, w.submitCard)
	w.login.Importance = widget.HighImportance
	w.guest = newButton(env, w.submitGuest)
	w.guestOpen = newButton(env, w.openGuest)
	w.easy = newButton(env, w.toggleEasy)
	w.card.OnSubmitted = func(string) { w.env.focus(w.pin) } // a scanner's Enter moves on to the PIN
	w.pin.OnSubmitted = func(string) { w.submitCard() }
	w.guestCode.OnSubmitted = func(string) { w.submitGuest() }
	w.reservation.Hide()
	w.feedback.Hide()

	cardForm := container.New(layout.NewFormLayout(), w.cardLabel, w.card, w.pinLabel, w.pin)
	cardBox := container.NewVBox(cardForm, container.NewHBox(w.login), w.loginHelp)
	guestForm := container.New(layout.NewFormLayout(), w.guestLabel, w.guestCode)
	w.guestBox = container.NewVBox(w.guestTitle, guestForm, container.NewHBox(w.guest))
	w.guestBox.Hide()
	others := container.New(layout.NewRowWrapLayout(), w.otherWays, w.guestOpen, w.reserve.Button())
	w.forms = container.NewVBox(cardBox, widget.NewSeparator(), others, w.guestBox)
	w.reserve.OnOpen = func() { w.reserving(true) }
	w.reserve.OnClose = func() { w.reserving(false) }

	helpButton, helpState := w.help.Parts()
	w.helpSlot = container.NewHBox(helpButton)
	// The library's name takes what the time and the help buttons leave,
	// wrapping at 200 % text rather than pushing them off the screen; what
	// became of a help request shows under the help buttons.
	header := container.NewBorder(nil, nil, nil, container.NewVBox(container.NewHBox(w.clock, w.helpSlot), helpState),
		container.NewVBox(w.library, w.speechHint))
	w.controls.Add(w.easy)
	w.obj = fullScreen(container.NewVBox(
		header, w.help.Panel(), w.controls.Object(),
		container.New(narrow{widthInTexts: 48}, container.NewVBox(
			w.title, w.subtitle, w.reservation, w.feedback,
			w.forms, w.reserve.Object()))))
	return w
}

// Object returns the screen's content.
func (w *Welcome) Object() fyne.CanvasObject { return w.obj }

// HelpSlot is the top right corner of the screen, where help buttons go.
func (w *Welcome) HelpSlot() *fyne.Container { return w.helpSlot }

// Secrets returns what is typed in the PIN fields now, for the speech
// layer to refuse to say (speech.Speaker.Withhold). It runs on the UI
// goroutine, as every Say does.
func (w *Welcome) Secrets() []string {
	return []string{w.pin.Text, w.reserve.pin.Text}
}

// Focus puts the keyboard focus in the card field, so that typing or a
// barcode scanner's digits and Enter start a log-in without a tap.
func (w *Welcome) Focus() { w.env.focus(w.card) }

// Announcement says where the visitor is and what to do.
func (w *Welcome) Announcement() string {
	parts := []string{w.library.Text, w.title.Text, w.subtitle.Text}
	if w.reservation.Visible() {
		parts = append(parts, w.reservation.Text)
	}
	return joinSentences(parts...)
}

// Escape closes the reserve form or the guest pass form.
func (w *Welcome) Escape() bool {
	switch {
	case w.reserveOpen:
		w.reserve.Close()
		return true
	case w.guestBox.Visible():
		w.guestBox.Hide()
		w.env.focus(w.guestOpen)
		return true
	}
	return false
}

// Tick shows the time; the app calls it every second.
func (w *Welcome) Tick() {
	lang := langOf(w.st)
	now := w.env.now()
	setText(w.clock, i18n.Date(lang, now)+"  "+i18n.T(lang, "welcome.clock", i18n.Clock(lang, now)))
}

// t looks key up in the visitor's language, in easy language when chosen.
func (w *Welcome) t(lang, key string) string {
	if easy, ok := easyKeys[key]; ok && w.easyOn {
		return i18n.T(lang, easy)
	}
	return i18n.T(lang, key)
}

func (w *Welcome) toggleEasy() {
	w.easyOn = !w.easyOn
	w.Update(w.st)
	w.env.say(w.subtitle.Text)
}

func (w *Welcome) openGuest() {
	w.guestBox.Show()
	w.env.focus(w.guestCode)
}

// Update shows st.
func (w *Welcome) Update(st localapi.Status) {
	w.st = st
	lang := langOf(st)
	w.controls.Update(st)
	w.help.Update(st)
	w.reserve.Update(st)
	w.Tick()
	setText(w.library, st.Library)
	showIf(w.library, st.Library != "")
	setText(w.speechHint, speechHint(lang))
	setText(w.title, w.t(lang, "welcome.title"))
	setText(w.subtitle, w.t(lang, "welcome.subtitle"))
	setText(w.cardLabel, i18n.T(lang, "login.card"))
	setText(w.pinLabel, i18n.T(lang, "login.pin"))
	setText(w.loginHelp, i18n.T(lang, "welcome.scan_hint")+" "+w.t(lang, "welcome.login_help"))
	w.card.Name = i18n.T(lang, "speech.field", w.cardLabel.Text)
	w.pin.Name = i18n.T(lang, "speech.secret_field", w.pinLabel.Text)
	w.login.SetText(i18n.T(lang, "login.submit"))
	setText(w.otherWays, w.t(lang, "welcome.other_ways"))
	w.guestOpen.SetText(i18n.T(lang, "welcome.guest_open"))
	w.easy.SetText(i18n.T(lang, "welcome.easy"))
	setImportance(w.easy, w.easyOn)
	setText(w.guestTitle, i18n.T(lang, "guest.title"))
	setText(w.guestLabel, i18n.T(lang, "guest.code"))
	w.guestCode.Name = i18n.T(lang, "speech.field", w.guestLabel.Text)
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

// speechHint says how to turn speech on in all three languages at once:
// whoever needs it cannot yet read the language buttons.
func speechHint(lang string) string {
	hints := []string{i18n.T(lang, "speech.hint")}
	for _, other := range i18n.Languages {
		if other != lang {
			hints = append(hints, i18n.T(other, "speech.hint"))
		}
	}
	return strings.Join(hints, "  ·  ")
}

// setImportance marks a toggle button as on.
func setImportance(b *Button, on bool) {
	imp := widget.MediumImportance
	if on {
		imp = widget.HighImportance
	}
	if b.Importance != imp {
		b.Importance = imp
		b.Refresh()
	}
}

// joinSentences joins the non-empty texts with full stops where missing.
func joinSentences(parts ...string) string {
	var out []string
	for _, p := range parts {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if !strings.ContainsAny(p[len(p)-1:], ".!?…") {
			p += "."
		}
		out = append(out, p)
	}
	return strings.Join(out, " ")
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
	clock := i18n.Clock(lang, at.In(now.Location()))
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
	if msg != w.feedback.Text && msg != "" {
		w.env.alert(msg)
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

// Reset clears what a visitor typed and chose here, for the next visitor:
// the PIN is hidden again even if its last holder showed it.
func (w *Welcome) Reset() {
	w.card.SetText("")
	w.pin.conceal()
	w.guestCode.SetText("")
	w.guestBox.Hide()
	w.easyOn = false
	w.feedbackText = nil
	w.renderFeedback()
	w.reserve.Hide()
}
