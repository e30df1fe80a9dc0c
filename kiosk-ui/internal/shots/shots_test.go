package shots

import (
	"fmt"
	"testing"

	"fyne.io/fyne/v2/test"

	"piste/agent/localapi"
	"piste/kiosk-ui/i18n"
)

// TestGoldenImages renders every screen through the real app at 1280×720,
// at 100 % and 200 % text, in normal and high contrast, and compares it
// with the reviewed image in testdata/. The languages take turns, so each
// is seen. When a change is meant, review testdata/failed/ and copy it over.
func TestGoldenImages(t *testing.T) {
	for i, s := range All() {
		lang := i18n.Languages[i%len(i18n.Languages)]
		for _, scale := range []int{100, 200} {
			for _, hc := range []bool{false, true} {
				name := fmt.Sprintf("%s-%s-%d", s.Name, lang, scale)
				if hc {
					name += "-contrast"
				}
				t.Run(name, func(t *testing.T) {
					st := s.Status(lang)
					st.Accessibility = localapi.Accessibility{TextScale: scale, HighContrast: hc}
					test.AssertImageMatches(t, name+".png", Render(st, Display))
				})
			}
		}
	}
}

// BenchmarkRenderWelcome200 renders the fullest welcome screen at 200 %
// text and high contrast through the whole app: a theme change redraws
// every widget like this.
func BenchmarkRenderWelcome200(b *testing.B) {
	st := All()[1].Status("fi")
	st.Accessibility = localapi.Accessibility{TextScale: 200, HighContrast: true}
	for b.Loop() {
		Render(st, Display)
	}
}
