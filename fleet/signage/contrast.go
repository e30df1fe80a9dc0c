package signage

import (
	"fmt"
	"math"
	"strconv"
)

// MinContrast is the least contrast a text slide may have: WCAG 2 level
// AA for normal text.
const MinContrast = 4.5

// Palette is the editors' choice of colours; any "#rrggbb" is accepted as
// long as the pair's contrast holds.
var Palette = []string{"#000000", "#ffffff", "#1a1a1a", "#f5f5f0", "#003a70", "#ffd400", "#7a0019", "#e6f0ff", "#00503c", "#fff4e0"}

func parseColour(s string) (r, g, b float64, err error) {
	if len(s) != 7 || s[0] != '#' {
		return 0, 0, 0, fmt.Errorf("colour must be #rrggbb, got %q", s)
	}
	v, err := strconv.ParseUint(s[1:], 16, 32)
	if err != nil {
		return 0, 0, 0, fmt.Errorf("colour must be #rrggbb, got %q", s)
	}
	return float64(v>>16&0xff) / 255, float64(v>>8&0xff) / 255, float64(v&0xff) / 255, nil
}

func channel(c float64) float64 {
	if c <= 0.03928 {
		return c / 12.92
	}
	return math.Pow((c+0.055)/1.055, 2.4)
}

func luminance(r, g, b float64) float64 {
	return 0.2126*channel(r) + 0.7152*channel(g) + 0.0722*channel(b)
}

// Contrast returns the WCAG contrast ratio of two "#rrggbb" colours.
func Contrast(fg, bg string) (float64, error) {
	r1, g1, b1, err := parseColour(fg)
	if err != nil {
		return 0, err
	}
	r2, g2, b2, err := parseColour(bg)
	if err != nil {
		return 0, err
	}
	l1, l2 := luminance(r1, g1, b1), luminance(r2, g2, b2)
	if l1 < l2 {
		l1, l2 = l2, l1
	}
	return (l1 + 0.05) / (l2 + 0.05), nil
}
