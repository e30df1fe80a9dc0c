package screens

import (
	"context"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"piste/agent/localapi"
	"piste/kiosk-ui/i18n"
	"piste/kiosk-ui/speech"
	kiosktheme "piste/kiosk-ui/theme"
)

// languageKeys names each language in itself, listed for the catalogue test.
var languageKeys = map[string]string{"fi": "lang.fi", "sv": "lang.sv", "en": "lang.en"}

// Controls are the visitor's language, text size, contrast and speech
// choices, and in the session bar also the desktop's magnifier and screen
// reader. They only ask the agent; the new look arrives with the next
// Status, so the choice is kept across a UI restart and reset at session
// end.
type Controls struct {
	env       *Env
	st        localapi.Status
	langs     []*Button
	smaller   *Button
	larger    *Button
	sizeLabel *widget.Label
	contrast  *Check
	speech    *Check
	slower    *Button
	faster    *Button
	row       *fyne.Container
	desktop   *fyne.Container // magnifier and screen reader: the session bar's only
	magnifier *Check
	reader    *Check
	note      *widget.Label
	problem   *widget.Label
	obj       fyne.CanvasObject
}

// NewControls builds the controls.
func NewControls(env *Env) *Controls {
	c := &Controls{env: env, sizeLabel: widget.NewLabel(""), problem: text(widget.DangerImportance)}
	for _, lang := range i18n.Languages {
		c.langs = append(c.langs, newLabelledButton(env, i18n.T(lang, languageKeys[lang]), func() { c.setLanguage(lang) }))
	}
	c.smaller = newButton(env, func() { c.setScale(-kiosktheme.ScaleStep) })
	c.larger = newButton(env, func() { c.setScale(kiosktheme.ScaleStep) })
	c.contrast = newCheck(env, func(on bool) { c.change(func(a *localapi.Accessibility) { a.HighContrast = on }) })
	c.speech = newCheck(env, func(on bool) { c.change(func(a *localapi.Accessibility) { a.Speech = on }) })
	c.slower = newButton(env, func() { c.setRate(-speech.RateStep) })
	c.faster = newButton(env, func() { c.setRate(speech.RateStep) })
	c.magnifier = newCheck(env, func(on bool) { c.change(func(a *localapi.Accessibility) { a.Magnifier = on }) })
	c.reader = newCheck(env, func(on bool) { c.change(func(a *localapi.Accessibility) { a.ScreenReader = on }) })
	c.note = text(widget.MediumImportance)
	// One row that wraps: on a wide screen the choices take one or two
	// lines, at 200 % text as many as they need.
	c.row = container.New(layout.NewRowWrapLayout(), toObjects(c.langs)...)
	c.row.Add(c.smaller)
	c.row.Add(c.sizeLabel)
	c.row.Add(c.larger)
	c.row.Add(c.contrast)
	c.row.Add(c.speech)
	c.row.Add(c.slower)
	c.row.Add(c.faster)
	c.desktop = container.NewVBox(container.New(layout.NewRowWrapLayout(), c.magnifier, c.reader), c.note)
	c.desktop.Hide()
	c.problem.Hide()
	c.obj = container.NewVBox(c.row, c.desktop, c.problem)
	return c
}

// Add puts a screen's own choice at the end of the row (the welcome
// screen's easy language).
func (c *Controls) Add(o fyne.CanvasObject) { c.row.Add(o) }

// WithDesktop shows the choices for the visitor's desktop as well (the
// session bar); the welcome screen has no desktop behind it yet.
func (c *Controls) WithDesktop() *Controls {
	c.desktop.Show()
	return c
}

// Object returns the controls' content.
func (c *Controls) Object() fyne.CanvasObject { return c.obj }

// Update shows st's choices.
func (c *Controls) Update(st localapi.Status) {
	c.st = st
	lang := langOf(st)
	for i, b := range c.langs {
		imp := widget.MediumImportance
		if i18n.Languages[i] == lang {
			imp = widget.HighImportance // the current language stands out
		}
		if b.Importance != imp {
			b.Importance = imp
			b.Refresh()
		}
	}
	scale := kiosktheme.ClampScale(st.Accessibility.TextScale)
	c.smaller.SetText(i18n.T(lang, "a11y.smaller"))
	c.larger.SetText(i18n.T(lang, "a11y.larger"))
	setText(c.sizeLabel, i18n.T(lang, "a11y.text_size", scale))
	enable(c.smaller, scale > kiosktheme.MinScale)
	enable(c.larger, scale < kiosktheme.MaxScale)
	a := st.Accessibility
	showCheck(c.contrast, lang, i18n.T(lang, "a11y.high_contrast"), a.HighContrast)
	showCheck(c.speech, lang, i18n.T(lang, "speech.toggle"), a.Speech)
	showCheck(c.magnifier, lang, i18n.T(lang, "a11y.magnifier"), a.Magnifier)
	showCheck(c.reader, lang, i18n.T(lang, "a11y.screen_reader"), a.ScreenReader)
	setText(c.note, i18n.T(lang, "a11y.desktop_note"))
	c.slower.SetText(i18n.T(lang, "speech.slower"))
	c.faster.SetText(i18n.T(lang, "speech.faster"))
	rate := speech.ClampRate(a.SpeechRate)
	showIf(c.slower, a.Speech)
	showIf(c.faster, a.Speech)
	enable(c.slower, rate > speech.MinRate)
	enable(c.faster, rate < speech.MaxRate)
}

// showCheck shows the agent's state of a choice without calling
// OnChanged: this is no visitor's choice.
func showCheck(c *Check, lang, label string, on bool) {
	c.lang = lang
	c.Text = label
	c.Checked = on
	c.Refresh()
}

func (c *Controls) setLanguage(lang string) {
	c.ask(func(ctx context.Context) error {
		return c.env.Agent.SetLanguage(ctx, localapi.LanguageRequest{Language: lang})
	})
}

func (c *Controls) setScale(delta int) {
	a := c.st.Accessibility
	a.TextScale = kiosktheme.ClampScale(kiosktheme.ClampScale(a.TextScale) + delta)
	c.ask(func(ctx context.Context) error { return c.env.Agent.SetAccessibility(ctx, a) })
}

// change asks the agent for the current choices changed by set, unless
// set changes nothing (the agent's own status being shown).
func (c *Controls) change(set func(a *localapi.Accessibility)) {
	a := c.st.Accessibility
	set(&a)
	if a == c.st.Accessibility {
		return
	}
	a.TextScale = kiosktheme.ClampScale(a.TextScale)
	c.ask(func(ctx context.Context) error { return c.env.Agent.SetAccessibility(ctx, a) })
}

func (c *Controls) setRate(delta int) {
	c.change(func(a *localapi.Accessibility) {
		a.SpeechRate = speech.ClampRate(speech.ClampRate(a.SpeechRate) + delta)
	})
}

func (c *Controls) ask(call func(context.Context) error) {
	c.problem.Hide()
	c.env.run(call, func(err error) {
		if err == nil {
			return
		}
		c.Update(c.st) // undo what the tap changed, e.g. the check mark
		setText(c.problem, errorText(langOf(c.st), err))
		c.problem.Show()
	})
}

func enable(w fyne.Disableable, on bool) {
	if on == !w.Disabled() {
		return
	}
	if on {
		w.Enable()
	} else {
		w.Disable()
	}
}

func toObjects[T fyne.CanvasObject](ws []T) []fyne.CanvasObject {
	out := make([]fyne.CanvasObject, len(ws))
	for i, w := range ws {
		out[i] = w
	}
	return out
}
