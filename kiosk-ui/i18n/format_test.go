package i18n

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestClockAndDatePerLocale(t *testing.T) {
	at := time.Date(2026, 12, 1, 14, 5, 0, 0, time.UTC)
	morning := time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		lang, clock, date, text string
	}{
		{"fi", "14.05", "tiistai 1.12.", "klo 14.05"},
		{"sv", "14.05", "tisdag 1 december", "kl. 14.05"},
		{"en", "14:05", "Tuesday 1 December", "14:05"},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.clock, Clock(tc.lang, at), tc.lang)
		assert.Equal(t, tc.date, Date(tc.lang, at), tc.lang)
		assert.Equal(t, tc.text, T(tc.lang, "welcome.clock", Clock(tc.lang, at)), tc.lang)
	}
	assert.Equal(t, "9.00", Clock("fi", morning), "no leading zero on the hour, as Finnish writes it")
	assert.Equal(t, "Saturday 14 March", Date("de", morning), "an unknown language falls back to English")
	assert.Equal(t, "Tämä tietokone on varattu klo 9.00 alkaen.", T("fi", "reservation.from_nohint", Clock("fi", morning)))
}
