package screens

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
)

// columnWidth is the widest a full-screen column grows at 100 % text, in
// the text sizes of the current theme (so it grows with the text).
const columnWidthInTexts = 64

// column centres its one child horizontally at a readable width and keeps
// it at the top; wrapped sentences then stay on lines the eye can follow.
type column struct{}

func (column) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var s fyne.Size
	for _, o := range objs {
		s = s.Max(o.MinSize())
	}
	p := 2 * theme.Padding()
	return s.AddWidthHeight(p, p)
}

func (column) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	pad := theme.Padding()
	w := min(size.Width-2*pad, columnWidthInTexts*theme.TextSize())
	for _, o := range objs {
		o.Resize(fyne.NewSize(w, size.Height-2*pad))
		o.Move(fyne.NewPos((size.Width-w)/2, pad))
	}
}

// fullScreen wraps a full-screen screen's content: centred column, with
// scrolling as the last resort on a display too small for 200 % text.
func fullScreen(content fyne.CanvasObject) fyne.CanvasObject {
	return container.NewVScroll(container.New(column{}, content))
}

// narrow keeps its one child at most widthInTexts text sizes wide, centred:
// the log-in fields need not span a wide screen, and a short line is
// easier to follow.
type narrow struct{ widthInTexts float32 }

func (n narrow) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var s fyne.Size
	for _, o := range objs {
		s = s.Max(o.MinSize())
	}
	return s
}

func (n narrow) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	w := min(size.Width, n.widthInTexts*theme.TextSize())
	for _, o := range objs {
		o.Resize(fyne.NewSize(w, size.Height))
		o.Move(fyne.NewPos((size.Width-w)/2, 0))
	}
}
