package screens

import (
	"context"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"piste/agent/localapi"
	"piste/kiosk-ui/i18n"
)

// HelpIndicator is the "ask for help" button and what became of the
// request: sent, claimed by a named volunteer, or closed.
type HelpIndicator struct {
	env    *Env
	st     localapi.Status
	button *Button
	state  *widget.Label
	obj    fyne.CanvasObject
}

// NewHelpIndicator builds the indicator.
func NewHelpIndicator(env *Env) *HelpIndicator {
	h := &HelpIndicator{env: env, state: widget.NewLabel("")}
	h.state.Importance = widget.SuccessImportance
	h.button = newButton(env, h.ask)
	h.state.Hide()
	return h
}

// Object returns the button and the state as one row. A screen uses either
// Object or Parts, since a widget has only one place on the screen.
func (h *HelpIndicator) Object() fyne.CanvasObject {
	if h.obj == nil {
		h.obj = container.New(layout.NewRowWrapLayout(), h.button, h.state)
	}
	return h.obj
}

// Parts returns the button and the state label, for a screen that places
// them in its own row.
func (h *HelpIndicator) Parts() (button, state fyne.CanvasObject) { return h.button, h.state }

// Update shows st's help request.
func (h *HelpIndicator) Update(st localapi.Status) {
	h.st = st
	lang := langOf(st)
	h.button.SetText(i18n.T(lang, "help.ask"))
	msg, waiting := helpText(lang, st.Help)
	enable(h.button, !waiting)
	h.state.Importance = widget.SuccessImportance
	if msg != h.state.Text && msg != "" {
		h.env.say(msg)
	}
	setText(h.state, msg)
	showIf(h.state, msg != "")
}

// helpText says how the request stands; waiting is true while a
// volunteer is yet to come, when asking again would only add noise.
func helpText(lang string, help *localapi.Help) (msg string, waiting bool) {
	switch {
	case help == nil:
		return "", false
	case help.Status == "open":
		return i18n.T(lang, "help.open"), true
	case help.Status == "claimed" && help.Helper != "":
		return i18n.T(lang, "help.claimed", help.Helper), true
	case help.Status == "claimed":
		return i18n.T(lang, "help.claimed_anon"), true
	case help.Status == "resolved":
		return i18n.T(lang, "help.resolved"), false
	}
	return "", false
}

func (h *HelpIndicator) ask() {
	h.button.Disable() // one tap, one request
	h.env.run(func(ctx context.Context) error {
		return h.env.Agent.RequestHelp(ctx, localapi.HelpRequest{})
	}, func(err error) {
		h.Update(h.st)
		if err == nil {
			return
		}
		h.state.Importance = widget.DangerImportance
		setText(h.state, errorText(langOf(h.st), err))
		h.state.Show()
		h.env.alert(h.state.Text)
	})
}
