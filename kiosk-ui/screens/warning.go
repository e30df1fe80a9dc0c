package screens

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"piste/agent/localapi"
	"piste/kiosk-ui/i18n"
)

// Warning is shown in the session bar while the agent says the session is
// about to end (state warning), with "add more time" when the agent
// allows an extension.
type Warning struct {
	env     *Env
	st      localapi.Status
	text    *widget.Label
	extend  *Button
	problem *widget.Label
	obj     fyne.CanvasObject
}

// NewWarning builds the warning panel.
func NewWarning(env *Env) *Warning {
	w := &Warning{env: env, text: text(widget.WarningImportance), problem: text(widget.DangerImportance)}
	w.text.TextStyle.Bold = true
	w.extend = newButton(env, w.ask)
	w.extend.Importance = widget.HighImportance
	w.problem.Hide()
	w.obj = container.NewVBox(w.text, container.NewHBox(w.extend), w.problem)
	w.obj.Hide()
	return w
}

// Object returns the panel.
func (w *Warning) Object() fyne.CanvasObject { return w.obj }

// Update shows the panel in the warning state only.
func (w *Warning) Update(st localapi.Status) {
	w.st = st
	show := st.State == localapi.StateWarning && st.Session != nil
	if !show {
		w.problem.Hide()
		w.obj.Hide()
		return
	}
	lang := langOf(st)
	minutes := max(1, (secondsLeft(st.Session, w.env.now())+59)/60)
	key := "warning.text"
	if st.Session.EndsAtClosing {
		key = "warning.closing"
	}
	said := w.text.Text
	setText(w.text, i18n.T(lang, key, minutes))
	w.extend.SetText(i18n.T(lang, "warning.extend"))
	showIf(w.extend, st.Session.CanExtend)
	if !w.obj.Visible() || said != w.text.Text {
		w.env.alert(w.text.Text)
	}
	w.obj.Show()
}

func (w *Warning) ask() {
	w.extend.Disable()
	w.problem.Hide()
	w.env.run(w.env.Agent.Extend, func(err error) {
		w.extend.Enable()
		if err != nil {
			setText(w.problem, errorText(langOf(w.st), err))
			w.problem.Show()
			w.env.alert(w.problem.Text)
		}
	})
}
