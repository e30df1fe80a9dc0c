package screens

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"piste/agent/localapi"
	"piste/kiosk-ui/i18n"
)

// IdleWarning is shown in the session bar while the agent says the session
// is about to end for lack of activity (Session.Idle): the seconds left
// and one "I'm still here" button, which restarts the agent's idle clock.
// A visitor busy in another program never touched the kiosk, so the bar
// is brought to the front when the warning comes (SessionBar.OnAttention).
type IdleWarning struct {
	env     *Env
	st      localapi.Status
	text    *widget.Label
	here    *Button
	problem *widget.Label
	obj     fyne.CanvasObject
}

// NewIdleWarning builds the warning panel, hidden.
func NewIdleWarning(env *Env) *IdleWarning {
	w := &IdleWarning{env: env, text: text(widget.DangerImportance), problem: text(widget.DangerImportance)}
	w.text.TextStyle.Bold = true
	w.here = newButton(env, w.answer)
	w.here.Importance = widget.HighImportance
	w.problem.Hide()
	w.obj = container.NewVBox(w.text, container.New(layout.NewRowWrapLayout(), w.here), w.problem)
	w.obj.Hide()
	return w
}

// Object returns the panel.
func (w *IdleWarning) Object() fyne.CanvasObject { return w.obj }

// Update shows the panel while the agent warns of an idle end.
func (w *IdleWarning) Update(st localapi.Status) {
	w.st = st
	if st.Session == nil || st.Session.Idle == nil {
		w.problem.Hide()
		w.obj.Hide()
		return
	}
	w.here.SetText(i18n.T(langOf(st), "idle.still_here"))
	w.Tick()
	if !w.obj.Visible() {
		w.env.alert(w.text.Text)
	}
	w.obj.Show()
}

// Tick counts the seconds down between statuses.
func (w *IdleWarning) Tick() {
	if w.st.Session == nil || w.st.Session.Idle == nil {
		return
	}
	idle := w.st.Session.Idle
	secs := idle.SecondsLeft
	if !idle.EndsAt.IsZero() {
		secs = secondsLeft(&localapi.Session{EndsAt: idle.EndsAt}, w.env.now())
	}
	setText(w.text, i18n.T(langOf(w.st), "idle.text", secs))
}

func (w *IdleWarning) answer() {
	w.here.Disable()
	w.problem.Hide()
	w.env.run(w.env.Agent.StillHere, func(err error) {
		w.here.Enable()
		if err != nil {
			setText(w.problem, errorText(langOf(w.st), err))
			w.problem.Show()
		}
	})
}
