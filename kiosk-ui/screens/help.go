package screens

import (
	"context"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"piste/agent/localapi"
	"piste/fleet/protocol"
	"piste/kiosk-ui/i18n"
)

// HelpIndicator is "I need help" and everything after it: the form
// (topic, language, a short note), the place in the queue and the wait,
// who is coming, the chat with the volunteer, and withdrawing the
// request. When no volunteer is on duty it says so, with the next support
// hours, before the visitor asks. The welcome screen and the session bar
// each hold one.
type HelpIndicator struct {
	env    *Env
	st     localapi.Status
	button *Button
	state  *widget.Label // how the request stands
	detail *widget.Label // the queue place and wait, or that no one is on duty
	form   *helpForm
	chat   *helpChat
	cancel *Button
	panel  *fyne.Container
	obj    fyne.CanvasObject
	// expanded shows the live request's panel (place, chat, cancel); it
	// folds away so that a compact bar stays compact, and opens by itself
	// when the volunteer writes.
	expanded bool
	heard    int // the volunteer's messages seen so far
	// OnResize is called when the help panel grows or shrinks, so a
	// compact window can follow.
	OnResize func()
}

// NewHelpIndicator builds the indicator.
func NewHelpIndicator(env *Env) *HelpIndicator {
	// The state is one line beside the button (a wrapping label in a row
	// would wrap at every word); the detail below it wraps.
	h := &HelpIndicator{env: env, state: widget.NewLabel(""), detail: text(widget.MediumImportance)}
	h.button = newButton(env, h.ask)
	h.form = newHelpForm(env, h.sent, h.closeForm)
	h.chat = newHelpChat(env, h.sent)
	h.cancel = newButton(env, h.withdraw)
	h.panel = container.NewVBox(h.detail, h.form.obj, h.chat.obj, container.New(layout.NewRowWrapLayout(), h.cancel))
	h.state.Hide()
	h.panel.Hide()
	return h
}

// Object returns the button and the state as one row; Panel is placed
// apart. A screen uses either Object or Parts, since a widget has only one
// place on the screen.
func (h *HelpIndicator) Object() fyne.CanvasObject {
	if h.obj == nil {
		h.obj = container.New(layout.NewRowWrapLayout(), h.button, h.state)
	}
	return h.obj
}

// Parts returns the button and the state label, for a screen that places
// them in its own row, and Panel the rest.
func (h *HelpIndicator) Parts() (button, state fyne.CanvasObject) { return h.button, h.state }

// Panel is the form, the queue place, the chat and the cancel button, for
// a screen that uses Parts; it shows only while in use.
func (h *HelpIndicator) Panel() fyne.CanvasObject { return h.panel }

// Update shows st's help request and the branch's support.
func (h *HelpIndicator) Update(st localapi.Status) {
	h.st = st
	lang := langOf(st)
	wasOpen := h.panel.Visible()
	h.button.SetText(i18n.T(lang, "help.ask"))
	h.cancel.SetText(i18n.T(lang, "help.cancel"))
	msg, _ := helpText(lang, st.Help)
	live := st.Help != nil && st.Help.Status.Live()
	if n := volunteerMessages(st.Help); n > h.heard {
		h.expanded = true
	} else if !live {
		h.expanded = false
	}
	h.heard = volunteerMessages(st.Help)
	switch {
	case live && h.expanded:
		h.button.SetText(i18n.T(lang, "help.hide"))
	case live:
		h.button.SetText(i18n.T(lang, "help.show"))
	}
	h.button.Enable()
	h.state.Importance = widget.SuccessImportance
	if msg == "" && st.HelpSupport != nil && st.HelpSupport.OnDuty == 0 {
		// Said before the visitor asks; the panel adds the next hours.
		msg = i18n.T(lang, "help.none_short")
		h.state.Importance = widget.WarningImportance
	}
	if msg != h.state.Text && msg != "" {
		h.env.say(msg)
	}
	setText(h.state, msg)
	showIf(h.state, msg != "")
	h.form.update(lang, st)
	h.chat.update(lang, st.Help)

	detail := h.detailText(lang, st)
	setText(h.detail, detail)
	showIf(h.detail, detail != "")
	showIf(h.cancel, live)
	showIf(h.chat.obj, live && st.Help.Status == protocol.HelpClaimed)
	if live {
		h.form.obj.Hide()
	}
	showIf(h.panel, live && h.expanded || h.form.obj.Visible())
	if wasOpen != h.panel.Visible() {
		h.resized()
	}
}

// detailText is the line under the state: the queue place and wait while
// open, or, before asking, that nobody is on duty and when support is next.
func (h *HelpIndicator) detailText(lang string, st localapi.Status) string {
	switch r := st.Help; {
	case r != nil && r.Status == protocol.HelpOpen && r.Position > 0:
		s := i18n.T(lang, "help.wait.position", r.Position)
		if r.EstimateSeconds > 0 {
			s += " " + i18n.T(lang, "help.wait.estimate", max(1, (r.EstimateSeconds+59)/60))
		}
		return s
	case r != nil && r.Status.Live():
		return ""
	}
	if sup := st.HelpSupport; sup != nil && sup.OnDuty == 0 {
		return noVolunteerText(lang, sup, h.env.now())
	}
	return ""
}

// dayKeys are the weekdays' names, Sunday first as time.Weekday counts.
var dayKeys = [7]string{"help.day.sun", "help.day.mon", "help.day.tue", "help.day.wed", "help.day.thu", "help.day.fri", "help.day.sat"}

// noVolunteerText says that no volunteer is on duty, and when support
// is next given.
func noVolunteerText(lang string, sup *localapi.HelpSupport, now time.Time) string {
	s := i18n.T(lang, "help.none_on_duty")
	if sup.NextFrom.IsZero() {
		return s
	}
	from, until := sup.NextFrom.In(now.Location()), sup.NextUntil.In(now.Location())
	when := i18n.T(lang, dayKeys[from.Weekday()]) + " " + from.Format("15:04")
	if !until.IsZero() {
		when += "–" + until.Format("15:04")
	}
	if sup.InHours && !until.IsZero() {
		return s + " " + i18n.T(lang, "help.support_until", until.Format("15:04"))
	}
	return s + " " + i18n.T(lang, "help.next_support", when)
}

// helpText says how the request stands; waiting is true while a
// volunteer is yet to come, when asking again would only add noise.
func helpText(lang string, help *localapi.Help) (msg string, waiting bool) {
	switch {
	case help == nil:
		return "", false
	case help.Status == protocol.HelpOpen:
		return i18n.T(lang, "help.open"), true
	case help.Status == protocol.HelpClaimed && help.Volunteer != "":
		return i18n.T(lang, "help.claimed", help.Volunteer), true
	case help.Status == protocol.HelpClaimed:
		return i18n.T(lang, "help.claimed_anon"), true
	case help.Status == protocol.HelpResolved:
		return i18n.T(lang, "help.resolved"), false
	case help.Status == protocol.HelpCancelled:
		return i18n.T(lang, "help.cancelled"), false
	case help.Status == protocol.HelpExpired:
		return i18n.T(lang, "help.expired"), false
	}
	return "", false
}

// volunteerMessages counts what the volunteer wrote.
func volunteerMessages(r *localapi.Help) int {
	n := 0
	if r != nil {
		for _, m := range r.Messages {
			if m.From == protocol.FromVolunteer {
				n++
			}
		}
	}
	return n
}

// ask opens the form, or with a live request shows or folds its panel.
func (h *HelpIndicator) ask() {
	if r := h.st.Help; r != nil && r.Status.Live() {
		h.expanded = !h.expanded
	} else {
		h.form.open(langOf(h.st), h.st)
	}
	h.Update(h.st)
	h.resized()
}

func (h *HelpIndicator) closeForm() {
	h.form.obj.Hide()
	h.Update(h.st)
	h.resized()
}

// sent shows a call's failure, or lets the next status show its success.
func (h *HelpIndicator) sent(err error) {
	h.Update(h.st)
	if err == nil {
		return
	}
	h.state.Importance = widget.DangerImportance
	setText(h.state, errorText(langOf(h.st), err))
	h.state.Show()
	h.env.alert(h.state.Text)
}

func (h *HelpIndicator) withdraw() {
	h.cancel.Disable()
	h.env.run(func(ctx context.Context) error { return h.env.Agent.CancelHelp(ctx) }, func(err error) {
		h.cancel.Enable()
		h.sent(err)
	})
}

func (h *HelpIndicator) resized() {
	if h.OnResize != nil {
		h.OnResize()
	}
}
