package uitest

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

// cachedRendererObjects returns a widget's rendered children.
func cachedRendererObjects(w fyne.Widget) []fyne.CanvasObject {
	return test.WidgetRenderer(w).Objects()
}
