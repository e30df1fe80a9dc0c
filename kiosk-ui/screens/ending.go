package screens

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"piste/agent/localapi"
	"piste/kiosk-ui/i18n"
)

// Ending is shown while the session ends and the computer is cleaned up
// (states ending and wiping), so the visitor can see that nothing of
// theirs stays behind.
type Ending struct {
	title, text *widget.Label
	obj         fyne.CanvasObject
}

// NewEnding builds the screen.
func NewEnding() *Ending {
	e := &Ending{title: heading(), text: text(widget.MediumImportance)}
	e.obj = fullScreen(container.NewVBox(e.title, e.text))
	return e
}

// Object returns the screen's content.
func (e *Ending) Object() fyne.CanvasObject { return e.obj }

// Announcement says the title and what is happening.
func (e *Ending) Announcement() string { return e.title.Text + ". " + e.text.Text }

// Update shows st.
func (e *Ending) Update(st localapi.Status) {
	lang := langOf(st)
	if st.State == localapi.StateWiping {
		setText(e.title, i18n.T(lang, "wiping.title"))
		setText(e.text, i18n.T(lang, "wiping.text"))
		return
	}
	setText(e.title, i18n.T(lang, "ending.title"))
	setText(e.text, i18n.T(lang, "ending.text"))
}
