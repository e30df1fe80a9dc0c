package screens

import (
	"context"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"piste/agent/localapi"
	"piste/fleet/protocol"
	"piste/kiosk-ui/i18n"
)

// MyDataPanel lets a visitor logged in with a library card keep their
// choices for their card ("remember my settings"), see what the library
// keeps about their computer use, and delete the settings.
type MyDataPanel struct {
	env                    *Env
	st                     localapi.Status
	remember, show, delete *Button
	text                   *widget.Label
	said                   func(lang string) string // the last answer, re-translated on a language switch
	obj                    fyne.CanvasObject
	// OnChange is called when the panel's text grows or goes.
	OnChange func()
}

// NewMyDataPanel builds the panel.
func NewMyDataPanel(env *Env) *MyDataPanel {
	p := &MyDataPanel{env: env, text: text(widget.MediumImportance)}
	p.remember = newButton(env, p.rememberNow)
	p.show = newButton(env, p.showKept)
	p.delete = newButton(env, p.deleteNow)
	p.delete.Importance = widget.DangerImportance
	p.text.Hide()
	p.obj = container.NewVBox(container.New(layout.NewRowWrapLayout(), p.remember, p.show, p.delete), p.text)
	return p
}

// Object returns the panel.
func (p *MyDataPanel) Object() fyne.CanvasObject { return p.obj }

// Update shows the panel during a library-card session only: a guest has
// no card to keep anything for.
func (p *MyDataPanel) Update(st localapi.Status) {
	cardSession := st.Session != nil && st.Session.Kind == protocol.SessionCard
	if p.st.Session == nil || st.Session == nil || p.st.Session.ID != st.Session.ID {
		p.say(nil) // a new visitor sees nothing of the last one's answers
	}
	p.st = st
	lang := langOf(st)
	p.remember.SetText(i18n.T(lang, "mydata.remember"))
	p.show.SetText(i18n.T(lang, "mydata.show"))
	p.delete.SetText(i18n.T(lang, "mydata.delete"))
	showIf(p.obj, cardSession)
	p.render()
}

func (p *MyDataPanel) rememberNow() {
	p.ask(p.env.Agent.RememberSettings, func(lang string, _ localapi.MyData) string {
		return i18n.T(lang, "mydata.remembered")
	})
}

func (p *MyDataPanel) showKept() {
	p.ask(p.env.Agent.MyData, keptText)
}

func (p *MyDataPanel) deleteNow() {
	p.ask(p.env.Agent.ForgetMyData, func(lang string, d localapi.MyData) string {
		return i18n.T(lang, "mydata.deleted") + " " + keptText(lang, d)
	})
}

// ask makes one call and shows its answer, or what went wrong.
func (p *MyDataPanel) ask(call func(context.Context) (localapi.MyData, error), answer func(lang string, d localapi.MyData) string) {
	var d localapi.MyData
	p.env.run(func(ctx context.Context) error {
		var err error
		d, err = call(ctx)
		return err
	}, func(err error) {
		if err != nil {
			p.say(func(lang string) string { return errorText(lang, err) })
		} else {
			p.say(func(lang string) string { return answer(lang, d) })
		}
		p.env.say(p.text.Text)
	})
}

func (p *MyDataPanel) say(f func(lang string) string) {
	p.said = f
	p.render()
}

func (p *MyDataPanel) render() {
	msg := ""
	if p.said != nil {
		msg = p.said(langOf(p.st))
	}
	was := p.text.Visible()
	setText(p.text, msg)
	showIf(p.text, msg != "")
	if was != p.text.Visible() && p.OnChange != nil {
		p.OnChange()
	}
}

// keptText says in lang what the library keeps: the settings, today's
// sessions and how long unused settings stay.
func keptText(lang string, d localapi.MyData) string {
	minutes := 0
	for _, s := range d.SessionsToday {
		minutes += s.Minutes
	}
	parts := []string{i18n.T(lang, "mydata.no_settings")}
	if s := d.Settings; s != nil {
		onOff := func(on bool) string {
			if on {
				return i18n.T(lang, "mydata.yes")
			}
			return i18n.T(lang, "mydata.no")
		}
		parts[0] = i18n.T(lang, "mydata.settings", s.TextScale, onOff(s.HighContrast), onOff(s.Speech), i18n.T(lang, languageKeys[s.Language]))
	}
	parts = append(parts, i18n.T(lang, "mydata.sessions", len(d.SessionsToday), minutes))
	if d.KeptDays > 0 {
		parts = append(parts, i18n.T(lang, "mydata.kept_days", d.KeptDays))
	}
	return joinSentences(parts...)
}
