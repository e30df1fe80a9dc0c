package uitest

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

// cachedRendererObjects returns a widget's rendered children.
func cachedRendererObjects(w fyne.Widget) []fyne.CanvasObject {
	return test.WidgetRenderer(w).Objects()
}

// Relayout lays out o and everything under it again, top down, as the
// real driver does every frame after texts changed; fyne's test canvas
// lays out only on resize. Wrapped text settles its height on the second
// pass.
func Relayout(o fyne.CanvasObject) {
	for range 3 {
		relayout(o)
	}
}

func relayout(o fyne.CanvasObject) {
	if o == nil || !o.Visible() {
		return
	}
	switch c := o.(type) {
	case *fyne.Container:
		if c.Layout != nil {
			c.Layout.Layout(c.Objects, c.Size())
		}
		for _, child := range c.Objects {
			relayout(child)
		}
	case fyne.Widget:
		r := test.WidgetRenderer(c)
		r.Layout(c.Size())
		for _, child := range r.Objects() {
			relayout(child)
		}
	}
}

// FitHeight lays o out at width and returns the height it then needs;
// wrapped text is only as tall as the width it was given, so this repeats
// until the height settles, as a window growing to its content does.
func FitHeight(o fyne.CanvasObject, width float32) float32 {
	h := o.MinSize().Height
	for range 5 {
		o.Resize(fyne.NewSize(width, h))
		Relayout(o)
		next := o.MinSize().Height
		if next == h {
			break
		}
		h = next
	}
	return h
}
