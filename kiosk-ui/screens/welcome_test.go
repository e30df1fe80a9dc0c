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
	"piste/kiosk-ui/i18n"
)

func TestWelcomeCardLogin(t *testing.T) {
	st := status(localapi.StateIdle, "en")
	f := newFixture(t, st)
	w := NewWelcome(f.env)
	f.show(w, st, desktop)

	test.Type(w.card, "2000123")
	test.Type(w.pin, "4321")
	f.tap(w.login)
	assert.Empty(t, w.pin.Text, "the PIN is cleared as soon as it is sent")
	calls := f.calls(1)
	assert.Equal(t, localapitest.Call{Method: "Login", Arg: localapi.LoginRequest{Card: "2000123", PIN: "4321"}}, calls[0])
	f.q.WaitFor(t, "login answer", func() bool { return !w.login.Disabled() })
	assert.Empty(t, w.card.Text)
	assert.False(t, w.feedback.Visible())
}

func TestWelcomeEnterSubmitsFromPIN(t *testing.T) {
	st := status(localapi.StateIdle, "fi")
	f := newFixture(t, st)
	w := NewWelcome(f.env)
	f.show(w, st, desktop)

	f.win.Canvas().Focus(w.card)
	test.Type(f.win.Canvas().Focused(), "123")
	w.card.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	assert.Equal(t, w.pin, f.win.Canvas().Focused(), "Enter in the card field moves on to the PIN")
	test.Type(f.win.Canvas().Focused(), "9999")
	w.pin.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	calls := f.calls(1)
	assert.Equal(t, localapi.LoginRequest{Card: "123", PIN: "9999"}, calls[0].Arg)
}

func TestWelcomeGuestLogin(t *testing.T) {
	st := status(localapi.StateIdle, "sv")
	f := newFixture(t, st)
	w := NewWelcome(f.env)
	f.show(w, st, desktop)

	f.tap(w.guestOpen)
	test.Type(w.guestCode, " G-4411 ")
	f.tap(w.guest)
	calls := f.calls(1)
	assert.Equal(t, localapitest.Call{Method: "Guest", Arg: localapi.GuestRequest{Code: "G-4411"}}, calls[0])
}

func TestWelcomeAsksForWhatIsMissing(t *testing.T) {
	tests := []struct {
		name      string
		card, pin string
		guest     bool
		want      string
	}{
		{"no card", "", "1234", false, "login.missing_card"},
		{"no pin", "123", "", false, "login.missing_pin"},
		{"blank card", "   ", "1234", false, "login.missing_card"},
		{"no guest code", "", "", true, "guest.missing_code"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := status(localapi.StateIdle, "en")
			f := newFixture(t, st)
			w := NewWelcome(f.env)
			f.show(w, st, desktop)
			test.Type(w.card, tc.card)
			test.Type(w.pin, tc.pin)
			if tc.guest {
				f.tap(w.guestOpen)
				f.tap(w.guest)
			} else {
				f.tap(w.login)
			}
			assert.True(t, w.feedback.Visible())
			assert.Equal(t, i18n.T("en", tc.want), w.feedback.Text)
			time.Sleep(20 * time.Millisecond)
			assert.Empty(t, f.ctl.Calls(), "nothing incomplete is sent")
		})
	}
}

func TestWelcomeShowsEveryRefusalInEveryLanguage(t *testing.T) {
	for code, key := range refusalKeys {
		for _, lang := range i18n.Languages {
			t.Run(string(code)+"/"+lang, func(t *testing.T) {
				st := status(localapi.StateIdle, lang)
				f := newFixture(t, st)
				w := NewWelcome(f.env)
				f.show(w, st, desktop)
				f.ctl.RefuseNext("Login", &localapi.Refusal{Code: code, Message: "staff detail", RetryAfterSeconds: 290})
				test.Type(w.card, "1")
				test.Type(w.pin, "2")
				f.tap(w.login)
				f.q.WaitFor(t, "refusal shown", func() bool { return !w.checking() && w.feedback.Visible() })

				want := i18n.T(lang, key)
				if code == localapi.RefusalLockedOut {
					want = i18n.T(lang, key, 5) // 290 s rounds up to 5 minutes
					assert.Contains(t, w.feedback.Text, "5")
				}
				if code == localapi.RefusalRateLimited {
					want = i18n.T(lang, key, 290)
				}
				assert.Equal(t, want, w.feedback.Text)
				assert.NotContains(t, w.feedback.Text, "staff detail", "staff detail is not for visitors")
				assert.Equal(t, w.pin, f.win.Canvas().Focused(), "focus returns to the PIN to try again")
			})
		}
	}
}

func TestWelcomeShowsRefusalFromStatusAndRetranslates(t *testing.T) {
	st := status(localapi.StateIdle, "en")
	f := newFixture(t, st)
	w := NewWelcome(f.env)
	f.show(w, st, desktop)
	st.Refusal = &localapi.Refusal{Code: localapi.RefusalQuotaExhausted}
	w.Update(st)
	assert.Equal(t, i18n.T("en", "refusal.quota_exhausted"), w.feedback.Text)
	st.Language = "fi"
	w.Update(st)
	assert.Equal(t, i18n.T("fi", "refusal.quota_exhausted"), w.feedback.Text)
	st.Refusal = &localapi.Refusal{Code: "something_new"}
	w.Update(st)
	assert.Equal(t, i18n.T("fi", "refusal.other"), w.feedback.Text)
}

func TestWelcomeAuthenticatingDisablesLogin(t *testing.T) {
	st := status(localapi.StateAuthenticating, "en")
	f := newFixture(t, st)
	w := NewWelcome(f.env)
	f.show(w, st, desktop)
	assert.True(t, w.login.Disabled())
	assert.True(t, w.guest.Disabled())
	assert.Equal(t, i18n.T("en", "login.checking"), w.feedback.Text)
	w.Update(status(localapi.StateIdle, "en"))
	assert.False(t, w.login.Disabled())
	assert.False(t, w.feedback.Visible())
}

func TestWelcomeReservationNotice(t *testing.T) {
	at := func(h, m int) time.Time { return time.Date(2025, 3, 14, h, m, 0, 0, time.Local) }
	tests := []struct {
		name string
		res  *localapi.Reservation
		lang string
		want string
	}{
		{"later", &localapi.Reservation{From: at(14, 0), Until: at(15, 0), CardHint: "1234"}, "en",
			"This computer is reserved from 14:00 for card …1234."},
		{"later fi", &localapi.Reservation{From: at(14, 0), Until: at(15, 0), CardHint: "1234"}, "fi",
			"Tämä tietokone on varattu klo 14.00 alkaen kortille …1234."},
		{"now", &localapi.Reservation{From: at(9, 30), Until: at(10, 30), CardHint: "0042"}, "sv",
			"Den här datorn är bokad till kl. 10.30 för kort …0042."},
		{"no hint", &localapi.Reservation{From: at(16, 15), Until: at(17, 0)}, "en",
			"This computer is reserved from 16:15."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := status(localapi.StateIdle, tc.lang)
			st.Reservation = tc.res
			f := newFixture(t, st)
			w := NewWelcome(f.env)
			f.show(w, st, desktop)
			require.True(t, w.reservation.Visible())
			assert.Equal(t, tc.want, w.reservation.Text)
		})
	}
}

func TestWelcomeFocusOrder(t *testing.T) {
	st := status(localapi.StateIdle, "en")
	f := newFixture(t, st)
	w := NewWelcome(f.env)
	f.show(w, st, desktop)
	// Reading order: help at the top right, the choices, then card and
	// PIN, then the other ways in. "Smaller text" is disabled at 100 %,
	// and disabled widgets take no focus; the guest pass form opens first.
	w.openGuest()
	assert.Equal(t, w.guestCode, f.win.Canvas().Focused(), "the guest pass form opens ready for typing")
	f.win.Canvas().Unfocus()
	want := []fyne.Focusable{
		w.help.button, w.controls.langs[0], w.controls.langs[1], w.controls.langs[2],
		w.controls.larger, w.controls.contrast, w.controls.speech, w.easy,
		w.card, w.pin, w.login, w.guestOpen, w.reserve.open, w.guestCode, w.guest,
	}
	names := map[fyne.Focusable]string{w.card: "card entry", w.pin: "PIN entry", w.guestCode: "guest code entry"}
	name := func(o fyne.Focusable) string {
		if n, ok := names[o]; ok {
			return n
		}
		return describe(o.(fyne.CanvasObject))
	}
	var wantNames, got []string
	for _, o := range want {
		wantNames = append(wantNames, name(o))
		test.FocusNext(f.win.Canvas())
		got = append(got, name(f.win.Canvas().Focused()))
	}
	assert.Equal(t, wantNames, got)
	test.FocusNext(f.win.Canvas())
	assert.Equal(t, w.help.button, f.win.Canvas().Focused(), "Tab wraps around to the top")
	test.FocusPrevious(f.win.Canvas())
	assert.Equal(t, w.guest, f.win.Canvas().Focused(), "Shift+Tab goes back")
}

func TestWelcomeResetForgetsTyping(t *testing.T) {
	st := status(localapi.StateIdle, "en")
	f := newFixture(t, st)
	w := NewWelcome(f.env)
	f.show(w, st, desktop)
	test.Type(w.card, "555")
	test.Type(w.pin, "777")
	test.Type(w.guestCode, "G")
	w.pin.Password = false // the visitor tapped the eye to show the PIN
	w.toggleEasy()
	w.Reset()
	assert.Empty(t, w.card.Text+w.pin.Text+w.guestCode.Text)
	assert.True(t, w.pin.Password, "the next visitor finds the PIN hidden again")
	assert.False(t, w.easyOn, "easy language is one visitor's choice")
	assert.False(t, w.guestBox.Visible())
}
