package theme

import (
	"image/color"
	"math"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	fynetheme "fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/stretchr/testify/assert"

	"piste/agent/localapi"
)

func luminance(c color.Color) float64 {
	r, g, b, _ := c.RGBA()
	lin := func(v uint32) float64 {
		s := float64(v) / 0xffff
		if s <= 0.03928 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(r) + 0.7152*lin(g) + 0.0722*lin(b)
}

// contrast is the WCAG contrast ratio of two opaque colours.
func contrast(a, b color.Color) float64 {
	la, lb := luminance(a), luminance(b)
	return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)
}

func TestContrast(t *testing.T) {
	tests := []struct {
		name        string
		hc          bool
		fg, bg      fyne.ThemeColorName
		wantAtLeast float64
	}{
		{"text", false, fynetheme.ColorNameForeground, fynetheme.ColorNameBackground, 7},
		{"text on button", false, fynetheme.ColorNameForeground, fynetheme.ColorNameButton, 4.5},
		{"text on primary", false, fynetheme.ColorNameForegroundOnPrimary, fynetheme.ColorNamePrimary, 4.5},
		{"text in field", false, fynetheme.ColorNameForeground, fynetheme.ColorNameInputBackground, 7},
		{"placeholder", false, fynetheme.ColorNamePlaceHolder, fynetheme.ColorNameInputBackground, 4.5},
		{"error text", false, fynetheme.ColorNameError, fynetheme.ColorNameBackground, 4.5},
		{"field border", false, fynetheme.ColorNameInputBorder, fynetheme.ColorNameBackground, 3},
		{"hc text", true, fynetheme.ColorNameForeground, fynetheme.ColorNameBackground, 7},
		{"hc text on button", true, fynetheme.ColorNameForeground, fynetheme.ColorNameButton, 4.5},
		{"hc button edge", true, fynetheme.ColorNameButton, fynetheme.ColorNameBackground, 3},
		{"hc text on primary", true, fynetheme.ColorNameForegroundOnPrimary, fynetheme.ColorNamePrimary, 7},
		{"hc placeholder", true, fynetheme.ColorNamePlaceHolder, fynetheme.ColorNameInputBackground, 7},
		{"hc error text", true, fynetheme.ColorNameError, fynetheme.ColorNameBackground, 4.5},
		{"hc text in field", true, fynetheme.ColorNameForeground, fynetheme.ColorNameInputBackground, 7},
		{"hc field border", true, fynetheme.ColorNameInputBorder, fynetheme.ColorNameBackground, 3},
		{"hc text on danger", true, fynetheme.ColorNameForegroundOnError, fynetheme.ColorNameError, 4.5},
		{"text on danger", false, fynetheme.ColorNameForegroundOnError, fynetheme.ColorNameError, 4.5},
		{"warning text", false, fynetheme.ColorNameWarning, fynetheme.ColorNameBackground, 4.5},
		{"hc warning text", true, fynetheme.ColorNameWarning, fynetheme.ColorNameBackground, 4.5},
		{"success text", false, fynetheme.ColorNameSuccess, fynetheme.ColorNameBackground, 4.5},
		{"hc success text", true, fynetheme.ColorNameSuccess, fynetheme.ColorNameBackground, 4.5},
		{"disabled text on disabled button", false, fynetheme.ColorNameDisabled, fynetheme.ColorNameDisabledButton, 4.5},
		{"hc disabled text on disabled button", true, fynetheme.ColorNameDisabled, fynetheme.ColorNameDisabledButton, 4.5},
		// The focus ring lies on the background, with a gap of background
		// between it and the control: 3:1 against both of its neighbours.
		{"focus ring", false, ColorNameFocusRing, fynetheme.ColorNameBackground, 3},
		{"hc focus ring", true, ColorNameFocusRing, fynetheme.ColorNameBackground, 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			th := New(localapi.Accessibility{TextScale: 100, HighContrast: tc.hc})
			fg := th.Color(tc.fg, fynetheme.VariantLight)
			bg := th.Color(tc.bg, fynetheme.VariantDark)
			assert.GreaterOrEqual(t, contrast(fg, bg), tc.wantAtLeast)
		})
	}
}

// TestFocusKeepsColours: fyne blends the focus colour into a focused
// button; it must change nothing, or a focused button's text loses the
// contrast checked above (white on cyan was 1.25:1).
func TestFocusKeepsColours(t *testing.T) {
	for _, hc := range []bool{false, true} {
		th := New(localapi.Accessibility{HighContrast: hc})
		_, _, _, a := th.Color(fynetheme.ColorNameFocus, fynetheme.VariantLight).RGBA()
		assert.Zero(t, a, "high contrast %v: the focus blend must be transparent", hc)
	}
}

func TestTextScales(t *testing.T) {
	tests := []struct {
		pct      int
		wantText float32
	}{
		{0, baseText}, {100, baseText}, {150, baseText * 1.5}, {200, baseText * 2}, {500, baseText * 2}, {50, baseText},
	}
	for _, tc := range tests {
		th := New(localapi.Accessibility{TextScale: tc.pct})
		assert.InDelta(t, tc.wantText, th.Size(fynetheme.SizeNameText), 0.01, "scale %d", tc.pct)
		assert.Greater(t, th.Size(fynetheme.SizeNameHeadingText), th.Size(fynetheme.SizeNameText))
	}
}

func TestTargetsAreLargeEnough(t *testing.T) {
	for _, hc := range []bool{false, true} {
		test.NewTempApp(t)
		test.ApplyTheme(t, New(localapi.Accessibility{TextScale: 100, HighContrast: hc}))
		objs := map[string]fyne.CanvasObject{
			"button": widget.NewButton("OK", nil),
			"check":  widget.NewCheck("", nil),
			"entry":  widget.NewEntry(),
		}
		for name, o := range objs {
			size := o.MinSize()
			assert.GreaterOrEqual(t, size.Height, float32(MinTarget), "%s height", name)
			assert.GreaterOrEqual(t, size.Width, float32(MinTarget), "%s width", name)
		}
	}
}
