package i18n

import (
	"fmt"
	"time"
)

// Clock formats t's time of day as lang writes it: Finnish and Swedish
// (as written in Finland) put a full stop between hours and minutes,
// "14.00"; English uses a colon, "14:00". The word before it ("klo",
// "kl.") belongs to the sentence, so the texts carry it.
func Clock(lang string, t time.Time) string {
	switch lang {
	case "fi", "sv":
		return fmt.Sprintf("%d.%02d", t.Hour(), t.Minute())
	}
	return fmt.Sprintf("%d:%02d", t.Hour(), t.Minute())
}

var weekdays = map[string][7]string{
	"fi": {"sunnuntai", "maanantai", "tiistai", "keskiviikko", "torstai", "perjantai", "lauantai"},
	"sv": {"söndag", "måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag"},
	"en": {"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"},
}

var months = map[string][12]string{
	"sv": {"januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober", "november", "december"},
	"en": {"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
}

// Date formats t's day as lang writes it on a sign: "tiistai 1.12.",
// "tisdag 1 december", "Tuesday 1 December".
func Date(lang string, t time.Time) string {
	if !Supported(lang) {
		lang = Fallback
	}
	day := weekdays[lang][t.Weekday()]
	if lang == "fi" {
		return fmt.Sprintf("%s %d.%d.", day, t.Day(), int(t.Month()))
	}
	return fmt.Sprintf("%s %d %s", day, t.Day(), months[lang][t.Month()-1])
}
