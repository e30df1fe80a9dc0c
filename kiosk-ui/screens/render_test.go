package screens

import (
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"piste/agent/localapi"
	"piste/kiosk-ui/internal/uitest"
)

// The references under testdata/ were reviewed by eye; when a change is
// meant, review testdata/failed/ and copy it over. The images of every
// screen, through the whole app, are in kiosk-ui/internal/shots.
func TestRendersAsReviewed(t *testing.T) {
	tests := []struct {
		name   string
		build  func(*Env) Screen
		status func() localapi.Status
		size   fyne.Size
		image  bool
	}{
		{"welcome_en_100.xml", func(e *Env) Screen { return NewWelcome(e) }, func() localapi.Status {
			st := status(localapi.StateIdle, "en")
			st.Reservation = &localapi.Reservation{From: fixedNow.Add(4 * time.Hour), Until: fixedNow.Add(5 * time.Hour), CardHint: "1234"}
			return st
		}, desktop, false},
		{"out_of_service_en_150.xml", func(e *Env) Screen { return NewOutOfService() }, func() localapi.Status {
			st := status(localapi.StateOutOfService, "en")
			st.Reason = "wipe_failed"
			st.Accessibility.TextScale = 150
			return st
		}, desktop, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := tc.status()
			f := newFixture(t, st)
			s := tc.build(f.env)
			f.show(s, st, tc.size)
			if tc.size.Height == 0 {
				f.win.Resize(fyne.NewSize(tc.size.Width, uitest.FitHeight(s.Object(), tc.size.Width)))
			}
			uitest.Relayout(f.win.Content())
			if tc.image {
				test.AssertRendersToImage(t, tc.name, f.win.Canvas())
			} else {
				test.AssertRendersToMarkup(t, tc.name, f.win.Canvas())
			}
		})
	}
}
