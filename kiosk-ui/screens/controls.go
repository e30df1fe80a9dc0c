package screens

import (
	"context"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"piste/agent/localapi"
	"piste/kiosk-ui/i18n"
	kiosktheme "piste/kiosk-ui/theme"
)

// languageKeys names each language in itself, listed for the catalogue test.
var languageKeys = map[string]string{"fi": "lang.fi", "sv": "lang.sv", "en": "lang.en"}

// Controls are the visitor's language, text size and contrast choices.
// They only ask the agent; the new look arrives with the next Status, so
// the choice is kept across a UI restart and reset at session end.
type Controls struct {
	env       *Env
	st        localapi.Status
	langs     []*Button
	smaller   *Button
	larger    *Button
	sizeLabel *widget.Label
	contrast  *Check
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
	c.contrast = newCheck(env, c.setContrast)
	langRow := container.New(layout.NewRowWrapLayout(), toObjects(c.langs)...)
	sizeRow := container.New(layout.NewRowWrapLayout(), c.smaller, c.sizeLabel, c.larger, c.contrast)
	c.problem.Hide()
	c.obj = container.NewVBox(langRow, sizeRow, c.problem)
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
	c.contrast.Text = i18n.T(lang, "a11y.high_contrast")
	if c.contrast.Checked != st.Accessibility.HighContrast {
		c.contrast.Checked = st.Accessibility.HighContrast // without OnChanged: this is no visitor's choice
	}
	c.contrast.Refresh()
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

func (c *Controls) setContrast(on bool) {
	if on == c.st.Accessibility.HighContrast {
		return
	}
	a := c.st.Accessibility
	a.TextScale = kiosktheme.ClampScale(a.TextScale)
	a.HighContrast = on
	c.ask(func(ctx context.Context) error { return c.env.Agent.SetAccessibility(ctx, a) })
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
