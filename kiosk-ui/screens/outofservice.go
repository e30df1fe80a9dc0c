package screens

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"piste/agent/localapi"
	"piste/kiosk-ui/i18n"
)

// ReasonStarting is the Reason the app shows before the first Status.
const ReasonStarting = "starting"

// reasonKeys maps the agent's out-of-service reasons to visitor texts.
var reasonKeys = map[string]string{
	"locked":                        "oos.locked",
	"wipe_failed":                   "oos.wipe_failed",
	localapi.ReasonAgentUnreachable: "oos.agent_unreachable",
	ReasonStarting:                  "oos.starting",
}

// OutOfService says the computer cannot be used now, and why.
type OutOfService struct {
	title, text *widget.Label
	obj         fyne.CanvasObject
}

// NewOutOfService builds the screen.
func NewOutOfService() *OutOfService {
	o := &OutOfService{title: heading(), text: text(widget.MediumImportance)}
	o.obj = fullScreen(container.NewVBox(o.title, o.text))
	return o
}

// Object returns the screen's content.
func (o *OutOfService) Object() fyne.CanvasObject { return o.obj }

// Announcement says the title and why.
func (o *OutOfService) Announcement() string { return o.title.Text + ". " + o.text.Text }

// Update shows st.
func (o *OutOfService) Update(st localapi.Status) {
	lang := langOf(st)
	setText(o.title, i18n.T(lang, "oos.title"))
	key, ok := reasonKeys[st.Reason]
	if !ok {
		key = "oos.other"
	}
	setText(o.text, i18n.T(lang, key))
}
