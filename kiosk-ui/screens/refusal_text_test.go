package screens

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"piste/agent/localapi"
)

func TestLockedOutSaysSecondsOrMinutes(t *testing.T) {
	tests := []struct {
		retry int
		lang  string
		want  string
	}{
		{4, "en", "Wait 4 seconds"},
		{4, "fi", "Odota 4 sekuntia"},
		{4, "sv", "Vänta 4 sekunder"},
		{59, "en", "Wait 59 seconds"},
		{60, "en", "Try again in 1 minute."},
		{900, "en", "Try again in 15 minutes."},
		{0, "en", "Try again in 1 minute."},
	}
	for _, tc := range tests {
		got := refusalText(tc.lang, &localapi.Refusal{Code: localapi.RefusalLockedOut, RetryAfterSeconds: tc.retry})
		assert.Contains(t, got, tc.want, "%d s in %s", tc.retry, tc.lang)
	}
}

// An unknown card and a wrong PIN read the same in every language, also
// from a fleet that still tells them apart; the slow-library and too-many-
// tries refusals say what to do.
func TestRefusalTextsForFailClosedLogins(t *testing.T) {
	for _, lang := range []string{"fi", "sv", "en"} {
		one := refusalText(lang, &localapi.Refusal{Code: localapi.RefusalWrongCardOrPIN})
		assert.Equal(t, one, refusalText(lang, &localapi.Refusal{Code: localapi.RefusalWrongPIN}), lang)
		assert.Equal(t, one, refusalText(lang, &localapi.Refusal{Code: localapi.RefusalUnknownCard}), lang)
	}
	tests := []struct {
		ref  localapi.Refusal
		lang string
		want string
	}{
		{localapi.Refusal{Code: localapi.RefusalWrongCardOrPIN}, "en", "The card number or PIN is wrong."},
		{localapi.Refusal{Code: localapi.RefusalWrongCardOrPIN}, "fi", "Kortin numero tai PIN-koodi on väärä."},
		{localapi.Refusal{Code: localapi.RefusalWrongCardOrPIN}, "sv", "Kortnumret eller PIN-koden är fel."},
		{localapi.Refusal{Code: localapi.RefusalUnavailable}, "en", "or ask the library staff"},
		{localapi.Refusal{Code: localapi.RefusalUnavailable}, "fi", "kysy kirjaston henkilökunnalta"},
		{localapi.Refusal{Code: localapi.RefusalUnavailable}, "sv", "fråga bibliotekets personal"},
		{localapi.Refusal{Code: localapi.RefusalRateLimited, RetryAfterSeconds: 10}, "en", "Wait 10 seconds"},
		{localapi.Refusal{Code: localapi.RefusalRateLimited, RetryAfterSeconds: 10}, "fi", "Odota 10 sekuntia"},
		{localapi.Refusal{Code: localapi.RefusalRateLimited}, "sv", "Vänta 1 sekund och"},
	}
	for _, tc := range tests {
		assert.Contains(t, refusalText(tc.lang, &tc.ref), tc.want, "%s in %s", tc.ref.Code, tc.lang)
	}
}
