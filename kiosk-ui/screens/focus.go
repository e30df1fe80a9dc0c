package screens

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/widget"

	"piste/kiosk-ui/i18n"
	kiosktheme "piste/kiosk-ui/theme"
)

// The kiosk's own controls wrap fyne's so that a keyboard (or a barcode
// scanner) can do everything a finger can: Enter presses the focused
// button, the kiosk-wide keys (F1 speech, Escape close, F2 session bar)
// reach the kiosk even while a field has the focus, focus is shown by a
// ring instead of a change of colour, and the focused control is spoken.

// Button is a button that Enter and Space press.
type Button struct {
	widget.Button
	env     *Env
	focused bool
}

func newButton(env *Env, tapped func()) *Button {
	b := &Button{env: env}
	b.OnTapped = tapped
	b.ExtendBaseWidget(b)
	return b
}

// TypedKey presses the button on Enter as well as Space.
func (b *Button) TypedKey(ev *fyne.KeyEvent) {
	if b.env.key(ev) {
		return
	}
	if (ev.Name == fyne.KeyReturn || ev.Name == fyne.KeyEnter) && !b.Disabled() && b.OnTapped != nil {
		b.OnTapped()
		return
	}
	b.Button.TypedKey(ev)
}

// FocusGained shows the ring and says the button's text.
func (b *Button) FocusGained() {
	b.focused = true
	b.Button.FocusGained()
	b.env.say(b.Text)
}

// FocusLost hides the ring.
func (b *Button) FocusLost() {
	b.focused = false
	b.Button.FocusLost()
}

// CreateRenderer adds the focus ring to the button's look.
func (b *Button) CreateRenderer() fyne.WidgetRenderer {
	return newRing(b.Button.CreateRenderer(), func() bool { return b.focused })
}

// Entry is a text field with a spoken name; Enter submits it as before.
// A secret field (the PIN) is never read out: only its name is.
type Entry struct {
	widget.Entry
	env     *Env
	focused bool
	secret  bool
	// Name is what is said when the field gets the focus.
	Name string
}

func newEntry(env *Env, secret bool) *Entry {
	e := &Entry{env: env, secret: secret}
	e.Password = secret
	if secret {
		e.Wrapping = fyne.TextWrap(fyne.TextTruncateClip)
	}
	e.ExtendBaseWidget(e)
	return e
}

// TypedKey lets the kiosk-wide keys through before the field takes the key.
func (e *Entry) TypedKey(ev *fyne.KeyEvent) {
	if e.env.key(ev) {
		return
	}
	e.Entry.TypedKey(ev)
}

// FocusGained shows the ring and says the field's name, never its content
// when it is secret.
func (e *Entry) FocusGained() {
	e.focused = true
	e.Entry.FocusGained()
	e.env.say(e.Name)
}

// FocusLost hides the ring.
func (e *Entry) FocusLost() {
	e.focused = false
	e.Entry.FocusLost()
}

// CreateRenderer adds the focus ring to the field's look.
func (e *Entry) CreateRenderer() fyne.WidgetRenderer {
	return newRing(e.Entry.CreateRenderer(), func() bool { return e.focused })
}

// conceal empties the field and hides a secret field's text again: the
// next visitor must not find the last one's PIN revealed.
func (e *Entry) conceal() {
	e.SetText("")
	if e.secret && !e.Password {
		e.Password = true
		e.Refresh()
		if e.ActionItem != nil {
			e.ActionItem.Refresh()
		}
	}
}

// Check is a check box whose state is said when it gets the focus.
type Check struct {
	widget.Check
	env     *Env
	focused bool
	lang    string // of the words said with it
}

func newCheck(env *Env, changed func(bool)) *Check {
	c := &Check{env: env}
	c.OnChanged = changed
	c.ExtendBaseWidget(c)
	return c
}

// TypedKey toggles on Enter as well as Space.
func (c *Check) TypedKey(ev *fyne.KeyEvent) {
	if c.env.key(ev) {
		return
	}
	if ev.Name == fyne.KeyReturn || ev.Name == fyne.KeyEnter {
		c.Check.TypedRune(' ')
		return
	}
	c.Check.TypedKey(ev)
}

// FocusGained shows the ring and says the text and whether it is on.
func (c *Check) FocusGained() {
	c.focused = true
	c.Check.FocusGained()
	c.env.say(c.spoken())
}

// spoken is the check box's text and state in its language.
func (c *Check) spoken() string {
	key := "speech.unchecked"
	if c.Checked {
		key = "speech.checked"
	}
	return c.Text + ", " + i18n.T(c.lang, key)
}

// FocusLost hides the ring.
func (c *Check) FocusLost() {
	c.focused = false
	c.Check.FocusLost()
}

// CreateRenderer adds the focus ring.
func (c *Check) CreateRenderer() fyne.WidgetRenderer {
	return newRing(c.Check.CreateRenderer(), func() bool { return c.focused })
}

// ringWidth and ringGap are the focus ring's stroke and its distance from
// the control, in pixels: the ring sits on the screen's background, where
// its colour keeps 3:1 on both sides, whatever the control's own colour.
const (
	ringWidth = 3
	ringGap   = 2
)

// ring draws a focus ring around a widget's own renderer.
type ring struct {
	fyne.WidgetRenderer
	rect    *canvas.Rectangle
	focused func() bool
	objs    []fyne.CanvasObject
}

func newRing(r fyne.WidgetRenderer, focused func() bool) *ring {
	rect := canvas.NewRectangle(nil)
	rect.StrokeWidth = ringWidth
	rect.Hide()
	return &ring{WidgetRenderer: r, rect: rect, focused: focused}
}

// Objects returns the widget's objects with the ring last, on top.
func (r *ring) Objects() []fyne.CanvasObject {
	inner := r.WidgetRenderer.Objects()
	if len(r.objs) != len(inner)+1 || (len(inner) > 0 && r.objs[0] != inner[0]) {
		r.objs = append(append(r.objs[:0], inner...), r.rect)
	} else {
		copy(r.objs, inner)
	}
	return r.objs
}

// Layout places the ring just outside the widget.
func (r *ring) Layout(size fyne.Size) {
	r.WidgetRenderer.Layout(size)
	out := float32(ringWidth + ringGap)
	r.rect.Move(fyne.NewPos(-out, -out))
	r.rect.Resize(size.AddWidthHeight(2*out, 2*out))
}

// Refresh redraws the widget and shows the ring while it has the focus.
func (r *ring) Refresh() {
	r.WidgetRenderer.Refresh()
	r.rect.StrokeColor = fyne.CurrentApp().Settings().Theme().Color(kiosktheme.ColorNameFocusRing, 0)
	r.rect.FillColor = color.Transparent
	if r.focused() {
		r.rect.Show()
	} else {
		r.rect.Hide()
	}
	r.rect.Refresh()
}

func newLabelledButton(env *Env, label string, tapped func()) *Button {
	b := newButton(env, tapped)
	b.Text = label
	return b
}
