package screens

import (
	"context"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"piste/agent/localapi"
	"piste/kiosk-ui/i18n"
)

// SessionBar is the compact view during a session: time left, help,
// text and contrast, end session; the end-of-session and idle warnings;
// and, when opened, the accessibility controls and the end confirmation.
type SessionBar struct {
	env      *Env
	st       localapi.Status
	timeLeft *widget.Label
	help     *HelpIndicator
	a11y     *Button
	end      *Button
	warning  *Warning
	idle     *IdleWarning
	controls *Controls
	mydata   *MyDataPanel
	helpSlot *fyne.Container   // the help buttons' place in the row
	panel    fyne.CanvasObject // accessibility controls and remembered settings, hidden until asked for
	confirm  *endConfirm
	obj      fyne.CanvasObject
	// OnResize is called when the bar grows or shrinks (a panel opened or
	// closed, the warning came), so the app can resize its compact window.
	OnResize func()
	// OnAttention is called when a warning comes or F2 is pressed, so the
	// app can bring its window to the front of the visitor's programs.
	OnAttention func()
	// MaxHeight is the tallest the bar grows before it scrolls, in
	// pixels; 0 is no limit. The app sets it from the screen's height.
	MaxHeight float32
}

// NewSessionBar builds the bar.
func NewSessionBar(env *Env) *SessionBar {
	b := &SessionBar{env: env, timeLeft: widget.NewLabel(""), help: NewHelpIndicator(env),
		warning: NewWarning(env), idle: NewIdleWarning(env), controls: NewControls(env).WithDesktop()}
	b.timeLeft.TextStyle.Bold = true
	b.a11y = newButton(env, b.toggleControls)
	b.end = newButton(env, b.askEnd)
	b.end.Importance = widget.DangerImportance
	b.confirm = newEndConfirm(env, b.closeConfirm)
	b.help.OnResize = b.resized
	b.mydata = NewMyDataPanel(env)
	b.mydata.OnChange = b.resized
	b.panel = container.NewVBox(b.controls.Object(), b.mydata.Object())
	b.panel.Hide()
	helpButton, helpState := b.help.Parts()
	// The help state comes last: when it is long, it is what wraps to a row of its own.
	// The help buttons share one place in the row (HelpSlot), right after the time.
	b.helpSlot = container.NewHBox(helpButton)
	row := container.New(layout.NewRowWrapLayout(), b.timeLeft, b.helpSlot, b.a11y, b.end, helpState)
	content := container.NewPadded(container.NewVBox(row, b.help.Panel(), b.idle.Object(), b.warning.Object(), b.panel, b.confirm.obj))
	// At 200 % text on a small screen the bar with a panel open can be
	// taller than the screen: it then stops at MaxHeight and scrolls.
	b.obj = container.New(capHeight{content: content, max: &b.MaxHeight}, container.NewVScroll(content))
	return b
}

// capHeight asks for its content's height up to *max (0: no limit) and
// gives its one child, a scroll view of the content, all of its size.
type capHeight struct {
	content fyne.CanvasObject
	max     *float32
}

func (c capHeight) MinSize([]fyne.CanvasObject) fyne.Size {
	m := c.content.MinSize()
	if *c.max > 0 {
		m.Height = min(m.Height, *c.max)
	}
	return m
}

func (c capHeight) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objs {
		o.Resize(size)
		o.Move(fyne.Position{})
	}
}

// Object returns the bar.
func (b *SessionBar) Object() fyne.CanvasObject { return b.obj }

// Update shows st.
func (b *SessionBar) Update(st localapi.Status) {
	before := b.warning.Object().Visible()
	idleBefore := b.idle.Object().Visible()
	b.st = st
	lang := langOf(st)
	b.Tick()
	b.help.Update(st)
	b.warning.Update(st)
	b.idle.Update(st)
	b.controls.Update(st)
	b.mydata.Update(st)
	b.confirm.update(lang)
	b.a11y.SetText(i18n.T(lang, "a11y.title"))
	b.end.SetText(i18n.T(lang, "session.end"))
	idleNow, warnNow := b.idle.Object().Visible(), b.warning.Object().Visible()
	if before != warnNow || idleBefore != idleNow {
		b.resized()
	}
	switch {
	case idleNow && !idleBefore:
		b.attention(b.idle.here)
	case warnNow && !before:
		b.attention(b.warning.extend)
	}
}

// attention brings the bar forward for a warning: the app raises the
// window, and the answer gets the keyboard focus (the warning itself was
// said when it came).
func (b *SessionBar) attention(answer *Button) {
	if b.OnAttention != nil {
		b.OnAttention()
	}
	if answer.Visible() && !answer.Disabled() {
		b.env.focus(answer)
		return
	}
	b.env.focus(b.help.button)
}

// Forward is the kiosk-wide key's work (F2): the bar comes to the front
// with the focus on "Add more time" when it is offered, else on the first
// button, so a keyboard user can reach the bar from any program.
func (b *SessionBar) Forward() {
	if b.idle.Object().Visible() {
		b.attention(b.idle.here)
		return
	}
	if b.warning.Object().Visible() {
		b.attention(b.warning.extend)
		return
	}
	b.attention(b.help.button)
}

// HelpSlot is the help buttons' place in the bar's row, after the time.
func (b *SessionBar) HelpSlot() *fyne.Container { return b.helpSlot }

// Focus gives the keyboard focus to the answer a warning asks for, if
// one is on show; the app calls it when the bar appears.
func (b *SessionBar) Focus() {
	switch {
	case b.idle.Object().Visible():
		b.env.focus(b.idle.here)
	case b.warning.Object().Visible() && b.warning.extend.Visible():
		b.env.focus(b.warning.extend)
	}
}

// Announcement says the time left and what is being asked, if anything.
func (b *SessionBar) Announcement() string {
	parts := []string{b.timeLeft.Text}
	if b.idle.Object().Visible() {
		parts = append(parts, b.idle.text.Text)
	} else if b.warning.Object().Visible() {
		parts = append(parts, b.warning.text.Text)
	}
	return strings.Join(parts, ". ")
}

// Escape closes the end question (as "No") or the accessibility panel.
func (b *SessionBar) Escape() bool {
	switch {
	case b.confirm.obj.Visible():
		b.closeConfirm()
		return true
	case b.panel.Visible():
		b.toggleControls()
		b.env.focus(b.a11y)
		return true
	}
	return false
}

// Tick refreshes the time left; the app calls it every second because the
// agent sends a status only when something changes.
func (b *SessionBar) Tick() {
	b.idle.Tick()
	lang := langOf(b.st)
	if b.st.Session == nil {
		setText(b.timeLeft, "")
		return
	}
	secs := secondsLeft(b.st.Session, b.env.now())
	if secs < 60 {
		setText(b.timeLeft, i18n.T(lang, "session.time_left_seconds", secs))
		return
	}
	setText(b.timeLeft, i18n.T(lang, "session.time_left", (secs+59)/60))
}

// secondsLeft counts down to the session's end as the agent set it, or
// uses the agent's own count when it sent no end time.
func secondsLeft(s *localapi.Session, now time.Time) int {
	if s.EndsAt.IsZero() {
		return max(0, s.SecondsLeft, s.MinutesLeft*60)
	}
	return max(0, int(s.EndsAt.Sub(now).Round(time.Second)/time.Second))
}

// toggleControls opens or closes the accessibility panel; one panel at a
// time keeps the compact window small.
func (b *SessionBar) toggleControls() {
	open := !b.panel.Visible()
	b.confirm.obj.Hide()
	showIf(b.panel, open)
	b.resized()
}

func (b *SessionBar) askEnd() {
	b.panel.Hide()
	b.confirm.show(langOf(b.st))
	b.resized()
}

func (b *SessionBar) closeConfirm() {
	b.confirm.obj.Hide()
	b.env.focus(b.end)
	b.resized()
}

func (b *SessionBar) resized() {
	if b.OnResize != nil {
		b.OnResize()
	}
}

// endConfirm asks before ending, because ending deletes the visitor's files.
type endConfirm struct {
	env     *Env
	title   *widget.Label
	text    *widget.Label
	yes, no *Button
	problem *widget.Label
	obj     *fyne.Container
	lang    string
}

func newEndConfirm(env *Env, closed func()) *endConfirm {
	c := &endConfirm{env: env, title: heading(), text: text(widget.MediumImportance), problem: text(widget.DangerImportance)}
	c.title.SizeName = theme.SizeNameSubHeadingText
	c.no = newButton(env, closed)
	c.yes = newButton(env, c.endSession)
	c.yes.Importance = widget.DangerImportance
	c.problem.Hide()
	c.obj = container.NewVBox(c.title, c.text, container.New(layout.NewRowWrapLayout(), c.no, c.yes), c.problem)
	c.obj.Hide()
	return c
}

func (c *endConfirm) update(lang string) {
	c.lang = lang
	setText(c.title, i18n.T(lang, "end.confirm_title"))
	setText(c.text, i18n.T(lang, "end.confirm_text"))
	c.yes.SetText(i18n.T(lang, "end.confirm_yes"))
	c.no.SetText(i18n.T(lang, "end.confirm_no"))
}

func (c *endConfirm) show(lang string) {
	c.update(lang)
	c.problem.Hide()
	c.obj.Show()
	c.env.alert(c.title.Text + " " + c.text.Text)
	c.env.focus(c.no) // the safe answer first: a stray Space must not delete anything
}

func (c *endConfirm) endSession() {
	c.yes.Disable()
	c.env.run(func(ctx context.Context) error { return c.env.Agent.End(ctx) }, func(err error) {
		c.yes.Enable()
		if err != nil {
			setText(c.problem, errorText(c.lang, err))
			c.problem.Show()
			c.env.alert(c.problem.Text)
		}
	})
}

// PreferredWidth is the width that puts the bar's controls on one row.
func (b *SessionBar) PreferredWidth() float32 {
	pad := theme.Padding()
	w := 4 * pad
	for _, o := range []fyne.CanvasObject{b.timeLeft, b.helpSlot, b.a11y, b.end, b.help.state} {
		if o.Visible() {
			w += o.MinSize().Width + pad
		}
	}
	return w
}
