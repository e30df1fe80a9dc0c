package screens

import (
	"context"
	"errors"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"piste/agent/localapi"
	"piste/kiosk-ui/i18n"
)

// reserveLengths are the slot lengths a visitor picks from, in minutes;
// the fleet shortens a slot the policy, quota or closing time do not allow.
var reserveLengths = []int{15, 30, 60}

// defaultLength is the length picked when the form opens.
const defaultLength = 30

// ReserveForm lets a visitor at the welcome screen reserve this computer
// for its next free slot with their library card. It opens from a button
// on the welcome screen; the agent asks the fleet, which checks the card.
type ReserveForm struct {
	// OnOpen and OnClose let the welcome screen make room for the form.
	OnOpen, OnClose func()

	env *Env
	st  localapi.Status

	open                             *Button
	title, cardLabel, pinLabel, info *widget.Label
	lengthLabel                      *widget.Label
	card, pin                        *Entry
	length                           *widget.RadioGroup
	submit, close                    *Button
	feedback                         *widget.Label
	panel                            *fyne.Container

	minutes  int
	pending  bool
	reserved string                   // last four of the card just reserved for, to recognise its slot
	message  func(lang string) string // re-translated on a language switch
	success  bool
}

// NewReserveForm builds the form, closed.
func NewReserveForm(env *Env) *ReserveForm {
	r := &ReserveForm{env: env, minutes: defaultLength,
		title: heading(), cardLabel: widget.NewLabel(""), pinLabel: widget.NewLabel(""),
		lengthLabel: widget.NewLabel(""), info: text(widget.MediumImportance),
		card: newEntry(env, false), pin: newEntry(env, true), feedback: text(widget.DangerImportance)}
	r.title.SizeName = theme.SizeNameSubHeadingText
	r.open = newButton(env, r.Open)
	r.length = widget.NewRadioGroup(nil, r.pick)
	r.length.Horizontal = true
	r.length.Required = true
	r.submit = newButton(env, r.send)
	r.submit.Importance = widget.HighImportance
	r.close = newButton(env, r.Close)
	r.card.OnSubmitted = func(string) { r.env.focus(r.pin) }
	r.pin.OnSubmitted = func(string) { r.send() }
	r.feedback.Hide()
	form := container.New(layout.NewFormLayout(), r.cardLabel, r.card, r.pinLabel, r.pin, r.lengthLabel, r.length)
	r.panel = container.NewVBox(r.title, r.info, form,
		container.NewHBox(r.submit, r.close), r.feedback)
	r.panel.Hide()
	return r
}

// Button is the welcome screen's "Reserve this computer".
func (r *ReserveForm) Button() fyne.CanvasObject { return r.open }

// Object is the form itself, hidden until opened.
func (r *ReserveForm) Object() fyne.CanvasObject { return r.panel }

// Update shows st: texts in its language, and the slot once reserved.
func (r *ReserveForm) Update(st localapi.Status) {
	r.st = st
	lang := langOf(st)
	r.open.SetText(i18n.T(lang, "reserve.open"))
	setText(r.title, i18n.T(lang, "reserve.title"))
	setText(r.info, i18n.T(lang, "reserve.info"))
	setText(r.cardLabel, i18n.T(lang, "login.card"))
	setText(r.pinLabel, i18n.T(lang, "login.pin"))
	setText(r.lengthLabel, i18n.T(lang, "reserve.length"))
	r.submit.SetText(i18n.T(lang, "reserve.submit"))
	r.close.SetText(i18n.T(lang, "reserve.close"))
	r.showLengths(lang)
	enable(r.submit, !r.pending && st.State != localapi.StateAuthenticating)
	r.render()
}

// showLengths labels the choices in lang, keeping the picked one.
func (r *ReserveForm) showLengths(lang string) {
	opts := make([]string, len(reserveLengths))
	for i, m := range reserveLengths {
		opts[i] = i18n.T(lang, "reserve.minutes", m)
	}
	picked := opts[max(slices.Index(reserveLengths, r.minutes), 0)]
	if slices.Equal(opts, r.length.Options) && r.length.Selected == picked {
		return
	}
	r.length.Options = opts
	r.length.Selected = picked // set directly: no visitor picked it
	r.length.Refresh()
}

// pick turns the picked label back into minutes.
func (r *ReserveForm) pick(label string) {
	if i := slices.Index(r.length.Options, label); i >= 0 {
		r.minutes = reserveLengths[i]
	}
}

// Open shows the form with the focus on the card number.
func (r *ReserveForm) Open() {
	if r.OnOpen != nil {
		r.OnOpen()
	}
	r.panel.Show()
	r.env.focus(r.card)
}

// Close hides the form, forgets what was typed and gives the focus back
// to the button that opened it.
func (r *ReserveForm) Close() {
	r.Hide()
	r.env.focus(r.open)
}

// Hide closes the form and forgets what was typed, without moving the
// focus: for the end of a session, when the welcome screen is not shown.
func (r *ReserveForm) Hide() {
	r.Reset()
	r.panel.Hide()
	if r.OnClose != nil {
		r.OnClose()
	}
}

// Reset clears what a visitor typed and said, for the next visitor.
func (r *ReserveForm) Reset() {
	r.card.SetText("")
	r.pin.conceal()
	r.minutes = defaultLength
	r.showLengths(langOf(r.st))
	r.message, r.success, r.reserved = nil, false, ""
	r.render()
}

func (r *ReserveForm) say(success bool, msg func(lang string) string) {
	r.success, r.message = success, msg
	r.render()
}

func (r *ReserveForm) render() {
	lang := langOf(r.st)
	msg, imp := "", widget.DangerImportance
	switch {
	case r.pending:
		msg, imp = i18n.T(lang, "login.checking"), widget.MediumImportance
	case r.message != nil:
		msg = r.message(lang)
		if r.success {
			imp = widget.SuccessImportance
		}
	}
	if r.feedback.Importance != imp {
		r.feedback.Importance = imp
		r.feedback.Refresh()
	}
	setText(r.feedback, msg)
	showIf(r.feedback, msg != "")
}

func (r *ReserveForm) send() {
	card := strings.TrimSpace(r.card.Text)
	pin := r.pin.Text
	switch {
	case r.pending:
		return
	case card == "":
		r.say(false, func(lang string) string { return i18n.T(lang, "login.missing_card") })
		r.env.focus(r.card)
		return
	case pin == "":
		r.say(false, func(lang string) string { return i18n.T(lang, "login.missing_pin") })
		r.env.focus(r.pin)
		return
	}
	r.pin.SetText("") // the PIN lives no longer than the request
	r.pending = true
	r.message = nil
	r.Update(r.st)
	req := localapi.ReserveRequest{Card: card, PIN: pin, Minutes: r.minutes}
	r.env.run(func(ctx context.Context) error { return r.env.Agent.Reserve(ctx, req) }, func(err error) {
		r.pending = false
		if err != nil {
			r.say(false, func(lang string) string { return reserveErrorText(lang, err) })
			r.env.focus(r.pin)
		} else {
			r.card.SetText("")
			r.reserved = lastFour(card)
			r.say(true, r.doneText)
			r.env.focus(r.close)
		}
		r.Update(r.st)
	})
}

// doneText names the slot once the agent shows it; the agent's status
// may arrive just after the answer, so it is read at each render.
func (r *ReserveForm) doneText(lang string) string {
	res := r.st.Reservation
	if res == nil || res.CardHint != r.reserved {
		return i18n.T(lang, "reserve.done_plain")
	}
	loc := r.env.now().Location()
	return i18n.T(lang, "reserve.done", res.From.In(loc).Format("15:04"), res.Until.In(loc).Format("15:04"))
}

// reserveErrorText is the visitor's text for a failed reservation: a slot
// that would start too near closing has its own words; the rest are
// the login's.
func reserveErrorText(lang string, err error) string {
	var ref *localapi.Refusal
	if errors.As(err, &ref) && ref.Code == localapi.RefusalClosed {
		return i18n.T(lang, "reserve.closed")
	}
	return errorText(lang, err)
}

func lastFour(card string) string {
	card = strings.Join(strings.Fields(card), "")
	if len(card) <= 4 {
		return card
	}
	return card[len(card)-4:]
}
