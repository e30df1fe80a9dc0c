package screens

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"piste/agent/localapi"
	"piste/fleet/protocol"
	"piste/kiosk-ui/i18n"
)

// Message shows a text an admin sent to the terminal above whatever
// screen is up, until the visitor acknowledges it. It is a banner inside
// the window rather than a pop-up, because during a session the window
// is only a compact bar.
type Message struct {
	env       *Env
	title     *widget.Label
	text      *widget.Label
	ok        *Button
	shownID   string
	dismissed map[string]bool
	obj       fyne.CanvasObject
	// OnChange is called when the banner appears or goes.
	OnChange func()
}

// NewMessage builds the banner.
func NewMessage(env *Env) *Message {
	m := &Message{env: env, title: heading(), text: text(widget.MediumImportance), dismissed: map[string]bool{}}
	m.title.SizeName = theme.SizeNameSubHeadingText
	m.ok = newButton(env, m.dismiss)
	m.ok.Importance = widget.HighImportance
	m.obj = container.NewVBox(container.NewPadded(container.NewVBox(m.title, m.text, container.NewHBox(m.ok))), widget.NewSeparator())
	m.obj.Hide()
	return m
}

// Object returns the banner.
func (m *Message) Object() fyne.CanvasObject { return m.obj }

// Update shows st's message unless the visitor has dismissed it.
func (m *Message) Update(st localapi.Status) {
	lang := langOf(st)
	msg := st.Message
	if msg == nil || m.dismissed[msg.ID] {
		m.setShown("")
		return
	}
	setText(m.title, i18n.T(lang, "message.title"))
	setText(m.text, protocol.MessageText(msg.Text, msg.Texts, lang))
	m.ok.SetText(i18n.T(lang, "message.ok"))
	if m.shownID != msg.ID {
		m.setShown(msg.ID)
		m.env.alert(m.title.Text + ". " + m.text.Text)
		m.env.focus(m.ok) // a new message takes the focus so keyboard users hear of it first
	}
}

func (m *Message) setShown(id string) {
	was := m.shownID
	m.shownID = id
	showIf(m.obj, id != "")
	if was != id && m.OnChange != nil {
		m.OnChange()
	}
}

// Shown reports whether a message is on show.
func (m *Message) Shown() bool { return m.shownID != "" }

// Dismiss closes the message, as its OK button does (Escape).
func (m *Message) Dismiss() { m.dismiss() }

func (m *Message) dismiss() {
	m.dismissed[m.shownID] = true
	m.setShown("")
}
