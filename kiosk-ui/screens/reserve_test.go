package screens

import (
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"piste/agent/localapi"
	"piste/agent/localapi/localapitest"
	"piste/fleet/protocol"
	"piste/kiosk-ui/i18n"
)

// openReserve shows the welcome screen and opens its reserve form by
// tapping the button, as a visitor would.
func openReserve(t *testing.T, lang string) (*fixture, *Welcome) {
	t.Helper()
	st := status(localapi.StateIdle, lang)
	f := newFixture(t, st)
	w := NewWelcome(f.env)
	f.show(w, st, desktop)
	require.True(t, w.reserve.open.Visible())
	f.tap(w.reserve.open)
	require.True(t, w.reserve.panel.Visible(), "the form opens")
	assert.False(t, w.forms.Visible(), "the form takes the place of the login forms")
	assert.Equal(t, w.reserve.card, f.win.Canvas().Focused(), "typing starts at the card number")
	return f, w
}

func TestWelcomeReserve(t *testing.T) {
	f, w := openReserve(t, "en")
	r := w.reserve
	test.Type(r.card, "2000 0002")
	test.Type(r.pin, "1234")
	r.length.SetSelected(i18n.T("en", "reserve.minutes", 60))
	f.tap(r.submit)
	assert.Empty(t, r.pin.Text, "the PIN is cleared as soon as it is sent")
	calls := f.calls(1)
	assert.Equal(t, localapitest.Call{Method: "Reserve",
		Arg: localapi.ReserveRequest{Card: "2000 0002", PIN: "1234", Minutes: 60}}, calls[0])
	f.q.WaitFor(t, "reserve answer", func() bool { return !r.pending })
	assert.Equal(t, i18n.T("en", "reserve.done_plain"), r.feedback.Text, "before the agent's status shows the slot")
	assert.Equal(t, r.close, f.win.Canvas().Focused())

	st := status(localapi.StateIdle, "en")
	st.Reservation = &localapi.Reservation{From: at(14, 0), Until: at(15, 0), CardHint: "0002"}
	w.Update(st)
	assert.Equal(t, "Reserved for you from 14:00 to 15:00.", r.feedback.Text)
	st.Language = "fi"
	w.Update(st)
	assert.Equal(t, "Varattu sinulle klo 14:00–15:00.", r.feedback.Text, "re-translated")
	assert.Equal(t, i18n.T("fi", "reserve.minutes", 60), r.length.Selected, "the picked length survives a language switch")

	f.tap(r.close)
	assert.False(t, r.panel.Visible())
	assert.True(t, w.forms.Visible(), "the login forms return")
	assert.Equal(t, r.open, f.win.Canvas().Focused())
}

func at(h, m int) time.Time { return time.Date(2025, 3, 14, h, m, 0, 0, time.Local) }

func TestWelcomeReserveByKeyboard(t *testing.T) {
	f, w := openReserve(t, "sv")
	r := w.reserve
	c := f.win.Canvas()
	// Reading order inside the form: card, PIN, the three lengths, reserve, close.
	test.Type(c.Focused(), "123")
	r.card.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	assert.Equal(t, r.pin, c.Focused(), "Enter in the card field moves on to the PIN")
	for range reserveLengths {
		test.FocusNext(c)
		assert.NotNil(t, c.Focused(), "each length takes the focus")
	}
	test.FocusNext(c)
	assert.Equal(t, r.submit, c.Focused())
	test.FocusNext(c)
	assert.Equal(t, r.close, c.Focused())
	c.Focus(r.pin)
	test.Type(c.Focused(), "9999")
	r.pin.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	calls := f.calls(1)
	assert.Equal(t, localapi.ReserveRequest{Card: "123", PIN: "9999", Minutes: defaultLength}, calls[0].Arg)
}

func TestWelcomeReserveRefusals(t *testing.T) {
	tests := []struct {
		code protocol.RefusalCode
		key  string
		arg  []any
	}{
		{localapi.RefusalWrongCardOrPIN, "refusal.wrong_card_or_pin", nil},
		{localapi.RefusalLockedOut, "refusal.locked_out", []any{5}},
		{localapi.RefusalQuotaExhausted, "refusal.quota_exhausted", nil},
		{localapi.RefusalClosed, "reserve.closed", nil},
		{localapi.RefusalUnavailable, "refusal.service_unavailable", nil},
	}
	for _, tc := range tests {
		for _, lang := range i18n.Languages {
			t.Run(string(tc.code)+"/"+lang, func(t *testing.T) {
				f, w := openReserve(t, lang)
				r := w.reserve
				f.ctl.RefuseNext("Reserve", &localapi.Refusal{Code: tc.code, Message: "staff detail", RetryAfterSeconds: 290})
				test.Type(r.card, "1")
				test.Type(r.pin, "2")
				f.tap(r.submit)
				f.q.WaitFor(t, "refusal shown", func() bool { return !r.pending && r.feedback.Visible() })
				assert.Equal(t, i18n.T(lang, tc.key, tc.arg...), r.feedback.Text)
				assert.Equal(t, r.pin, f.win.Canvas().Focused(), "focus returns to the PIN to try again")
				assert.True(t, r.panel.Visible(), "the form stays open")
			})
		}
	}
}

func TestWelcomeReserveAsksForWhatIsMissing(t *testing.T) {
	for _, tc := range []struct{ name, card, pin, want string }{
		{"no card", " ", "1234", "login.missing_card"},
		{"no pin", "123", "", "login.missing_pin"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, w := openReserve(t, "en")
			test.Type(w.reserve.card, tc.card)
			test.Type(w.reserve.pin, tc.pin)
			f.tap(w.reserve.submit)
			assert.Equal(t, i18n.T("en", tc.want), w.reserve.feedback.Text)
			time.Sleep(20 * time.Millisecond)
			assert.Empty(t, f.ctl.Calls(), "nothing incomplete is sent")
		})
	}
}

func TestWelcomeResetClosesTheReserveForm(t *testing.T) {
	_, w := openReserve(t, "en")
	test.Type(w.reserve.card, "555")
	test.Type(w.reserve.pin, "777")
	w.Reset()
	assert.False(t, w.reserve.panel.Visible())
	assert.True(t, w.forms.Visible())
	assert.Empty(t, w.reserve.card.Text+w.reserve.pin.Text)
}
