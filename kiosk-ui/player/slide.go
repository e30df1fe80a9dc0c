package player

import (
	"fmt"
	"image/color"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/widget"
)

func fmtSscanf(s string, r, g, b *uint8) (int, error) { return fmt.Sscanf(s, "%02x%02x%02x", r, g, b) }

// textSlide is a full-screen slide of large text, with an optional image
// on the right. Type sizes follow the screen's height, so a slide reads
// the same from across the lobby on any screen.
type textSlide struct {
	widget.BaseWidget
	bg, fg      color.NRGBA
	title, body string
	imagePath   string
}

func slide(bg, fg color.NRGBA, title, body, imagePath string) fyne.CanvasObject {
	s := &textSlide{bg: bg, fg: fg, title: title, body: body, imagePath: imagePath}
	s.ExtendBaseWidget(s)
	return s
}

func (s *textSlide) CreateRenderer() fyne.WidgetRenderer {
	r := &textRenderer{s: s, bg: canvas.NewRectangle(s.bg)}
	if s.imagePath != "" {
		r.image = canvas.NewImageFromFile(s.imagePath)
		r.image.FillMode = canvas.ImageFillContain
	}
	return r
}

type textRenderer struct {
	s     *textSlide
	bg    *canvas.Rectangle
	image *canvas.Image
	lines []*canvas.Text
}

func (r *textRenderer) Layout(size fyne.Size) {
	r.bg.Resize(size)
	margin := size.Height / 12
	textW := size.Width - 2*margin
	if r.image != nil {
		textW = size.Width*0.55 - margin
		r.image.Move(fyne.NewPos(size.Width*0.58, margin))
		r.image.Resize(fyne.NewSize(size.Width*0.42-margin, size.Height-2*margin))
	}
	titleSize, bodySize := max(size.Height/10, 12), max(size.Height/18, 10)
	bold := fyne.TextStyle{Bold: true}
	r.lines = r.lines[:0]
	y := margin
	add := func(text string, sz float32, style fyne.TextStyle, lead float32) {
		t := canvas.NewText(text, r.s.fg)
		t.TextSize, t.TextStyle = sz, style
		t.Move(fyne.NewPos(margin, y))
		t.Resize(fyne.NewSize(textW, sz*1.2))
		r.lines = append(r.lines, t)
		y += sz * lead
	}
	for _, line := range wrap(r.s.title, titleSize, bold, textW) {
		add(line, titleSize, bold, 1.3)
	}
	y += bodySize * 0.6
	for _, para := range strings.Split(r.s.body, "\n") {
		for _, line := range wrap(para, bodySize, fyne.TextStyle{}, textW) {
			add(line, bodySize, fyne.TextStyle{}, 1.4)
		}
	}
}

func (r *textRenderer) MinSize() fyne.Size { return fyne.NewSize(320, 180) }
func (r *textRenderer) Refresh()           { canvas.Refresh(r.s) }
func (r *textRenderer) Destroy()           {}

func (r *textRenderer) Objects() []fyne.CanvasObject {
	objs := []fyne.CanvasObject{r.bg}
	if r.image != nil {
		objs = append(objs, r.image)
	}
	for _, t := range r.lines {
		objs = append(objs, t)
	}
	return objs
}

// wrap breaks text into lines no wider than width at size.
func wrap(text string, size float32, style fyne.TextStyle, width float32) []string {
	var lines []string
	cur := ""
	for _, w := range strings.Fields(text) {
		try := w
		if cur != "" {
			try = cur + " " + w
		}
		if cur != "" && fyne.MeasureText(try, size, style).Width > width {
			lines = append(lines, cur)
			cur = w
			continue
		}
		cur = try
	}
	if cur != "" {
		lines = append(lines, cur)
	}
	return lines
}

// fallbackSlide shows the branch's name above a large clock.
type fallbackSlide struct {
	widget.BaseWidget
	name, clock *canvas.Text
}

func newFallback(name, clock *canvas.Text) *fallbackSlide {
	f := &fallbackSlide{name: name, clock: clock}
	f.ExtendBaseWidget(f)
	return f
}

func (f *fallbackSlide) CreateRenderer() fyne.WidgetRenderer {
	return &fallbackRenderer{f: f, bg: canvas.NewRectangle(brandBG)}
}

type fallbackRenderer struct {
	f  *fallbackSlide
	bg *canvas.Rectangle
}

func (r *fallbackRenderer) Layout(size fyne.Size) {
	r.bg.Resize(size)
	r.f.name.TextSize = max(size.Height/12, 12)
	r.f.clock.TextSize = max(size.Height/4, 24)
	name, clock := r.f.name.MinSize(), r.f.clock.MinSize()
	top := (size.Height - name.Height - clock.Height) / 2
	r.f.name.Move(fyne.NewPos((size.Width-name.Width)/2, top))
	r.f.name.Resize(name)
	r.f.clock.Move(fyne.NewPos((size.Width-clock.Width)/2, top+name.Height))
	r.f.clock.Resize(clock)
}

func (r *fallbackRenderer) MinSize() fyne.Size { return fyne.NewSize(320, 180) }
func (r *fallbackRenderer) Refresh() {
	r.Layout(r.f.Size())
	canvas.Refresh(r.f)
}
func (r *fallbackRenderer) Destroy() {}
func (r *fallbackRenderer) Objects() []fyne.CanvasObject {
	return []fyne.CanvasObject{r.bg, r.f.name, r.f.clock}
}
