package theme

import (
	"image/color"

	"fyne.io/fyne/v2"
	fynetheme "fyne.io/fyne/v2/theme"
)

func rgb(hex uint32) color.Color {
	return color.NRGBA{R: uint8(hex >> 16), G: uint8(hex >> 8), B: uint8(hex), A: 0xff}
}

// ColorNameFocusRing is the colour of the ring drawn around the focused
// control, on the screen's background (see screens.Button). fyne's own
// ColorNameFocus is transparent: a focused control keeps its colours, so
// its text keeps its contrast.
const ColorNameFocusRing fyne.ThemeColorName = "pisteFocusRing"

// normalColors: dark text on white, a blue that keeps white text readable
// (WCAG AA), and a purple focus ring that stands out from white and from
// every control.
var normalColors = map[fyne.ThemeColorName]color.Color{
	fynetheme.ColorNameBackground:          rgb(0xffffff),
	fynetheme.ColorNameForeground:          rgb(0x161616),
	fynetheme.ColorNamePrimary:             rgb(0x0b5cad),
	fynetheme.ColorNameForegroundOnPrimary: rgb(0xffffff),
	fynetheme.ColorNameButton:              rgb(0xdfe5ec),
	fynetheme.ColorNameDisabledButton:      rgb(0xeeeeee),
	fynetheme.ColorNameDisabled:            rgb(0x5e5e5e),
	fynetheme.ColorNameInputBackground:     rgb(0xf7f8fa),
	fynetheme.ColorNameInputBorder:         rgb(0x5a6470),
	fynetheme.ColorNamePlaceHolder:         rgb(0x595959),
	fynetheme.ColorNameFocus:               color.Transparent, // focus is the ring, never a change of the control's colour
	ColorNameFocusRing:                     rgb(0x7a1fa2),
	fynetheme.ColorNameHover:               color.NRGBA{R: 0x0b, G: 0x5c, B: 0xad, A: 0x30},
	fynetheme.ColorNamePressed:             color.NRGBA{R: 0x0b, G: 0x5c, B: 0xad, A: 0x50},
	fynetheme.ColorNameSelection:           color.NRGBA{R: 0x0b, G: 0x5c, B: 0xad, A: 0x40},
	fynetheme.ColorNameSeparator:           rgb(0xc8ced6),
	fynetheme.ColorNameHeaderBackground:    rgb(0xeef2f6),
	fynetheme.ColorNameOverlayBackground:   rgb(0xffffff),
	fynetheme.ColorNameMenuBackground:      rgb(0xffffff),
	fynetheme.ColorNameShadow:              color.NRGBA{A: 0x40},
	fynetheme.ColorNameError:               rgb(0xb00020),
	fynetheme.ColorNameForegroundOnError:   rgb(0xffffff),
	fynetheme.ColorNameSuccess:             rgb(0x1e6b2f),
	fynetheme.ColorNameWarning:             rgb(0x8a4b00),
	fynetheme.ColorNameHyperlink:           rgb(0x0b5cad),
}

// highContrastColors: white on black, yellow for what is most important,
// a yellow focus ring; buttons keep 3:1 against black and their text 4.5:1 on them.
var highContrastColors = map[fyne.ThemeColorName]color.Color{
	fynetheme.ColorNameBackground:          rgb(0x000000),
	fynetheme.ColorNameForeground:          rgb(0xffffff),
	fynetheme.ColorNamePrimary:             rgb(0xffff00),
	fynetheme.ColorNameForegroundOnPrimary: rgb(0x000000),
	fynetheme.ColorNameButton:              rgb(0x666666),
	fynetheme.ColorNameDisabledButton:      rgb(0x2a2a2a),
	fynetheme.ColorNameDisabled:            rgb(0xbdbdbd),
	fynetheme.ColorNameInputBackground:     rgb(0x000000),
	fynetheme.ColorNameInputBorder:         rgb(0xffffff),
	fynetheme.ColorNamePlaceHolder:         rgb(0xcccccc),
	fynetheme.ColorNameFocus:               color.Transparent,
	ColorNameFocusRing:                     rgb(0xffff00),
	fynetheme.ColorNameHover:               color.NRGBA{R: 0xff, G: 0xff, B: 0x00, A: 0x50},
	fynetheme.ColorNamePressed:             color.NRGBA{R: 0xff, G: 0xff, B: 0x00, A: 0x80},
	fynetheme.ColorNameSelection:           color.NRGBA{R: 0x00, G: 0xff, B: 0xff, A: 0x60},
	fynetheme.ColorNameSeparator:           rgb(0xffffff),
	fynetheme.ColorNameHeaderBackground:    rgb(0x000000),
	fynetheme.ColorNameOverlayBackground:   rgb(0x000000),
	fynetheme.ColorNameMenuBackground:      rgb(0x000000),
	fynetheme.ColorNameShadow:              color.NRGBA{A: 0x00},
	fynetheme.ColorNameError:               rgb(0xff6b6b),
	fynetheme.ColorNameForegroundOnError:   rgb(0x000000),
	fynetheme.ColorNameSuccess:             rgb(0x7dff7d),
	fynetheme.ColorNameWarning:             rgb(0xffff00),
	fynetheme.ColorNameHyperlink:           rgb(0xffff00),
}
