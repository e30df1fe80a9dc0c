// Package theme is the kiosk's fyne theme: large text that scales from
// 100 to 200 %, and a high-contrast variant, both chosen by the visitor
// and kept by the agent (localapi.Accessibility).
package theme

import (
	"image/color"

	"fyne.io/fyne/v2"
	fynetheme "fyne.io/fyne/v2/theme"

	"piste/agent/localapi"
)

// Text scale limits in percent.
const (
	MinScale = 100
	MaxScale = 200
	// ScaleStep is how much the visitor's larger/smaller buttons change it.
	ScaleStep = 25
)

// Base sizes at 100 %: larger than fyne's desktop defaults because the
// screen is read standing up by people of every age.
const (
	baseText        = 20
	baseHeading     = 28
	baseSubHeading  = 22
	baseCaption     = 16
	baseIcon        = 24
	basePadding     = 6
	baseInner       = 10
	baseLineSpacing = 6
)

// MinTarget is the smallest size of anything a visitor taps, in pixels at
// 100 % (WCAG 2.2 target size, minimum).
const MinTarget = 24

// Theme is a fyne.Theme for one accessibility choice.
type Theme struct {
	scale        float32 // 1.0 .. 2.0
	highContrast bool
	colors       map[fyne.ThemeColorName]color.Color
}

var _ fyne.Theme = (*Theme)(nil)

// New returns the theme for a; a text scale out of range is clamped.
func New(a localapi.Accessibility) *Theme {
	pct := ClampScale(a.TextScale)
	colors := normalColors
	if a.HighContrast {
		colors = highContrastColors
	}
	return &Theme{scale: float32(pct) / 100, highContrast: a.HighContrast, colors: colors}
}

// ClampScale brings a text scale in percent into 100..200; 0 (unset) is 100.
func ClampScale(pct int) int {
	return min(max(pct, MinScale), MaxScale)
}

// Color returns the theme's colour; the variant is ignored because the
// kiosk never follows the OS's dark mode, only the visitor's choice.
func (t *Theme) Color(name fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	if c, ok := t.colors[name]; ok {
		return c
	}
	return fynetheme.DefaultTheme().Color(name, fynetheme.VariantLight)
}

// Font returns fyne's bundled font, which covers Finnish and Swedish letters.
func (t *Theme) Font(s fyne.TextStyle) fyne.Resource { return fynetheme.DefaultTheme().Font(s) }

// Icon returns fyne's icon.
func (t *Theme) Icon(n fyne.ThemeIconName) fyne.Resource { return fynetheme.DefaultTheme().Icon(n) }

// Size scales text fully and spacing by half as much, so 200 % text still
// leaves room for the words on the screen.
func (t *Theme) Size(name fyne.ThemeSizeName) float32 {
	spacing := 1 + (t.scale-1)/2
	switch name {
	case fynetheme.SizeNameText:
		return baseText * t.scale
	case fynetheme.SizeNameHeadingText:
		return baseHeading * t.scale
	case fynetheme.SizeNameSubHeadingText:
		return baseSubHeading * t.scale
	case fynetheme.SizeNameCaptionText:
		return baseCaption * t.scale
	case fynetheme.SizeNameInlineIcon:
		return baseIcon * t.scale
	case fynetheme.SizeNamePadding:
		return basePadding * spacing
	case fynetheme.SizeNameInnerPadding:
		return baseInner * spacing
	case fynetheme.SizeNameLineSpacing:
		return baseLineSpacing * spacing
	case fynetheme.SizeNameInputBorder:
		return t.border()
	case fynetheme.SizeNameScrollBar:
		return 16
	case fynetheme.SizeNameScrollBarSmall:
		return 8
	}
	return fynetheme.DefaultTheme().Size(name)
}

// border is thicker in high contrast so that fields stand out.
func (t *Theme) border() float32 {
	if t.highContrast {
		return 3
	}
	return 2
}

// Scale returns the text scale in percent.
func (t *Theme) Scale() int { return int(t.scale*100 + 0.5) }

// HighContrast reports whether this is the high-contrast variant.
func (t *Theme) HighContrast() bool { return t.highContrast }
