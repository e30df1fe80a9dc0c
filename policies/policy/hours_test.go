package policy

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var helsinki = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Helsinki")
	if err != nil {
		panic(err)
	}
	return loc
}()

// hel is a wall-clock time in Helsinki.
func hel(month time.Month, day, hour, minute int) time.Time {
	return time.Date(2026, month, day, hour, minute, 0, 0, helsinki)
}

// utc is an instant written in UTC, for times the Helsinki wall clock
// shows twice or never.
func utc(month time.Month, day, hour, minute int) time.Time {
	return time.Date(2026, month, day, hour, minute, 0, 0, time.UTC)
}

// hoursFrom parses the hours section of a layer into Hours.
func hoursFrom(t *testing.T, yaml string) Hours {
	t.Helper()
	return Merge(mustParse(t, yaml)).Hours
}

const kallioHours = `
hours:
  timezone: Europe/Helsinki
  weekly: {mon: "09:00-20:00", tue: "09:00-20:00", wed: "09:00-20:00", thu: "09:00-20:00",
           fri: "09:00-18:00", sat: "10:00-16:00", sun: closed}
  exceptions:
    - {date: 2026-12-24, hours: closed, note: Christmas Eve}
    - {date: 2026-12-31, hours: "09:00-14:00"}
`

func TestOpenAt(t *testing.T) {
	kallio := hoursFrom(t, kallioHours)
	tests := []struct {
		name  string
		hours Hours
		at    time.Time
		open  bool
	}{
		{"before opening", kallio, hel(11, 30, 8, 59), false},
		{"at opening", kallio, hel(11, 30, 9, 0), true},
		{"last minute", kallio, hel(11, 30, 19, 59), true},
		{"at closing", kallio, hel(11, 30, 20, 0), false},
		{"saturday", kallio, hel(12, 5, 15, 0), true},
		{"sunday closed", kallio, hel(12, 6, 12, 0), false},
		{"exception closes a thursday", kallio, hel(12, 24, 12, 0), false},
		{"exception shortens a thursday", kallio, hel(12, 31, 13, 59), true},
		{"after the short day", kallio, hel(12, 31, 14, 0), false},
		{"branch time, not UTC: 07:30 UTC is 09:30 in Helsinki", kallio, utc(11, 30, 7, 30), true},
		{"branch time, not UTC: 18:30 UTC is 20:30 in Helsinki", kallio, utc(11, 30, 18, 30), false},
		{"no hours: always open", Hours{}, hel(12, 24, 3, 0), true},
		{"only exceptions: open round the clock except then", hoursFrom(t, "hours: {exceptions: [{date: 2026-12-24, hours: closed}]}"), hel(12, 23, 23, 59), true},
		{"only exceptions: closed on the exception", hoursFrom(t, "hours: {exceptions: [{date: 2026-12-24, hours: closed}]}"), hel(12, 24, 0, 0), false},
		{"a day the schedule does not name is closed", hoursFrom(t, "hours: {weekly: {mon: \"09:00-20:00\"}}"), hel(12, 1, 12, 0), false},
		{"lunch break", hoursFrom(t, "hours: {weekly: {mon: \"09:00-12:00,13:00-20:00\"}}"), hel(11, 30, 12, 30), false},
		{"after lunch", hoursFrom(t, "hours: {weekly: {mon: \"09:00-12:00,13:00-20:00\"}}"), hel(11, 30, 13, 0), true},
		{"midnight opening", hoursFrom(t, "hours: {weekly: {mon: \"00:00-02:00\"}}"), hel(11, 30, 0, 0), true},
		{"sunday night before it", hoursFrom(t, "hours: {weekly: {mon: \"00:00-02:00\"}}"), hel(11, 29, 23, 59), false},
		{"open until 24:00", hoursFrom(t, "hours: {weekly: {mon: \"22:00-24:00\"}}"), hel(11, 30, 23, 59), true},
		{"24:00 is the next day's midnight", hoursFrom(t, "hours: {weekly: {mon: \"22:00-24:00\"}}"), hel(12, 1, 0, 0), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.open, tc.hours.OpenAt(tc.at))
		})
	}
}

func TestClosingAfter(t *testing.T) {
	kallio := hoursFrom(t, kallioHours)
	tests := []struct {
		name    string
		hours   Hours
		at      time.Time
		closing time.Time // zero with open true: does not close
		open    bool
	}{
		{"weekday", kallio, hel(11, 30, 12, 0), hel(11, 30, 20, 0), true},
		{"at opening", kallio, hel(11, 30, 9, 0), hel(11, 30, 20, 0), true},
		{"short day by exception", kallio, hel(12, 31, 10, 0), hel(12, 31, 14, 0), true},
		{"closed day", kallio, hel(12, 6, 12, 0), time.Time{}, false},
		{"closed by exception", kallio, hel(12, 24, 12, 0), time.Time{}, false},
		{"at closing time", kallio, hel(11, 30, 20, 0), time.Time{}, false},
		{"before lunch", hoursFrom(t, "hours: {weekly: {mon: \"09:00-12:00,13:00-20:00\"}}"), hel(11, 30, 11, 0), hel(11, 30, 12, 0), true},
		{"intervals that meet are one opening", hoursFrom(t, "hours: {weekly: {mon: \"09:00-12:00,12:00-20:00\"}}"), hel(11, 30, 10, 0), hel(11, 30, 20, 0), true},
		{"an opening across midnight", hoursFrom(t, "hours: {weekly: {fri: \"20:00-24:00\", sat: \"00:00-02:00,10:00-16:00\"}}"), hel(12, 4, 23, 0), hel(12, 5, 2, 0), true},
		{"round the clock until an exception", hoursFrom(t, "hours: {exceptions: [{date: 2026-12-24, hours: closed}]}"), hel(12, 20, 12, 0), hel(12, 24, 0, 0), true},
		{"no hours: never closes", Hours{}, hel(12, 20, 12, 0), time.Time{}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			closing, open := tc.hours.ClosingAfter(tc.at)
			assert.Equal(t, tc.open, open)
			assert.True(t, tc.closing.Equal(closing), "closing %v, want %v", closing, tc.closing)
		})
	}
}

func TestNextOpening(t *testing.T) {
	kallio := hoursFrom(t, kallioHours)
	tests := []struct {
		name  string
		hours Hours
		at    time.Time
		want  time.Time
		ok    bool
	}{
		{"open now", kallio, hel(11, 30, 12, 0), hel(11, 30, 12, 0), true},
		{"early morning", kallio, hel(11, 30, 6, 0), hel(11, 30, 9, 0), true},
		{"at closing: tomorrow", kallio, hel(11, 30, 20, 0), hel(12, 1, 9, 0), true},
		{"over a closed sunday", kallio, hel(12, 5, 17, 0), hel(12, 7, 9, 0), true},
		{"over a closed exception", kallio, hel(12, 23, 21, 0), hel(12, 25, 9, 0), true},
		{"after lunch", hoursFrom(t, "hours: {weekly: {mon: \"09:00-12:00,13:00-20:00\"}}"), hel(11, 30, 12, 15), hel(11, 30, 13, 0), true},
		{"never opens", hoursFrom(t, "hours: {weekly: {mon: closed}}"), hel(11, 30, 12, 0), time.Time{}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := tc.hours.NextOpening(tc.at)
			assert.Equal(t, tc.ok, ok)
			assert.True(t, tc.want.Equal(got), "got %v, want %v", got, tc.want)
		})
	}
}

// Helsinki turns clocks forward from 03:00 to 04:00 on 2026-03-29 (01:00
// UTC) and back from 04:00 to 03:00 on 2026-10-25 (01:00 UTC).
func TestHoursAcrossDST(t *testing.T) {
	sundays := hoursFrom(t, "hours: {weekly: {sun: \"00:00-24:00\"}}")

	t.Run("the spring sunday is 23 hours long", func(t *testing.T) {
		opening, ok := sundays.NextOpening(hel(3, 28, 12, 0))
		require.True(t, ok)
		closing, open := sundays.ClosingAfter(hel(3, 29, 12, 0))
		require.True(t, open)
		assert.True(t, utc(3, 28, 22, 0).Equal(opening), "opens at local midnight, EET: %v", opening)
		assert.True(t, utc(3, 29, 21, 0).Equal(closing), "closes at local midnight, EEST: %v", closing)
		assert.Equal(t, 23*time.Hour, closing.Sub(opening))
	})
	t.Run("the autumn sunday is 25 hours long", func(t *testing.T) {
		opening, _ := sundays.NextOpening(hel(10, 24, 12, 0))
		closing, open := sundays.ClosingAfter(hel(10, 25, 12, 0))
		require.True(t, open)
		assert.Equal(t, 25*time.Hour, closing.Sub(opening))
	})
	t.Run("daytime hours keep their wall-clock times", func(t *testing.T) {
		days := hoursFrom(t, "hours: {weekly: {sat: \"09:00-20:00\", sun: \"09:00-20:00\", mon: \"09:00-20:00\"}}")
		for _, tc := range []struct {
			day  time.Time
			open time.Time
		}{
			{hel(3, 28, 6, 0), utc(3, 28, 7, 0)},   // Saturday, EET
			{hel(3, 29, 6, 0), utc(3, 29, 6, 0)},   // Sunday, already EEST
			{hel(10, 24, 6, 0), utc(10, 24, 6, 0)}, // Saturday, EEST
			{hel(10, 25, 6, 0), utc(10, 25, 7, 0)}, // Sunday, already EET
		} {
			got, ok := days.NextOpening(tc.day)
			require.True(t, ok)
			assert.True(t, tc.open.Equal(got), "%v: opens %v, want %v", tc.day, got, tc.open)
		}
	})
	t.Run("an interval inside the skipped hour never opens", func(t *testing.T) {
		h := hoursFrom(t, "hours: {weekly: {sun: \"03:00-03:30\"}}")
		got, ok := h.NextOpening(hel(3, 28, 12, 0))
		require.True(t, ok)
		assert.True(t, hel(4, 5, 3, 0).Equal(got), "opens next on the following sunday, got %v", got)
	})
	t.Run("a closing time inside the skipped hour is the jump", func(t *testing.T) {
		h := hoursFrom(t, "hours: {weekly: {sun: \"02:00-03:30\"}}")
		closing, open := h.ClosingAfter(utc(3, 29, 0, 30)) // 02:30 EET
		require.True(t, open)
		assert.True(t, utc(3, 29, 1, 0).Equal(closing), "closes when clocks jump to 04:00, got %v", closing)
	})
	t.Run("an opening time inside the skipped hour is the jump", func(t *testing.T) {
		h := hoursFrom(t, "hours: {weekly: {sun: \"03:30-06:00\"}}")
		got, ok := h.NextOpening(hel(3, 28, 12, 0))
		require.True(t, ok)
		assert.True(t, utc(3, 29, 1, 0).Equal(got), "got %v", got)
	})
	t.Run("a repeated closing time means its first occurrence", func(t *testing.T) {
		h := hoursFrom(t, "hours: {weekly: {sun: \"00:00-03:30\"}}")
		assert.True(t, h.OpenAt(utc(10, 25, 0, 15)), "03:15 EEST, first time round")
		assert.False(t, h.OpenAt(utc(10, 25, 1, 15)), "03:15 EET, second time round")
		closing, open := h.ClosingAfter(utc(10, 25, 0, 15))
		require.True(t, open)
		assert.True(t, utc(10, 25, 0, 30).Equal(closing), "got %v", closing)
	})
}

// TestHoursAgree checks OpenAt, ClosingAfter and NextOpening against each
// other every 10 minutes of both DST weeks.
func TestHoursAgree(t *testing.T) {
	schedules := map[string]Hours{
		"kallio":    hoursFrom(t, kallioHours),
		"night":     hoursFrom(t, "hours: {weekly: {sat: \"00:00-03:30,03:45-04:15,22:00-24:00\", sun: \"00:00-03:30,04:00-24:00\", mon: \"02:30-03:30\"}}"),
		"always":    {},
		"exception": hoursFrom(t, "hours: {exceptions: [{date: 2026-03-29, hours: \"03:00-05:00\"}, {date: 2026-10-25, hours: closed}]}"),
	}
	for name, h := range schedules {
		t.Run(name, func(t *testing.T) {
			for _, start := range []time.Time{utc(3, 26, 0, 0), utc(10, 22, 0, 0)} {
				for at := start; at.Before(start.Add(7 * 24 * time.Hour)); at = at.Add(10 * time.Minute) {
					checkHoursAgree(t, h, at)
				}
			}
		})
	}
}

func checkHoursAgree(t *testing.T, h Hours, at time.Time) {
	t.Helper()
	open := h.OpenAt(at)
	next, ok := h.NextOpening(at)
	closing, open2 := h.ClosingAfter(at)
	require.Equal(t, open, open2, "OpenAt and ClosingAfter disagree at %v", at)
	if open {
		require.True(t, ok && next.Equal(at), "open at %v but NextOpening says %v", at, next)
		if !closing.IsZero() {
			require.True(t, closing.After(at), "closing %v not after %v", closing, at)
			require.True(t, h.OpenAt(closing.Add(-time.Second)), "closed just before its closing %v", closing)
			require.False(t, h.OpenAt(closing), "open at its closing %v", closing)
		}
		return
	}
	if ok {
		require.True(t, next.After(at), "closed at %v but next opening %v is not later", at, next)
		require.True(t, h.OpenAt(next), "not open at its next opening %v", next)
		require.False(t, h.OpenAt(next.Add(-time.Second)), "open before its next opening %v", next)
	}
}

func TestParseDayHours(t *testing.T) {
	tests := []struct {
		in   string
		want DayHours
		text string
		err  string
	}{
		{in: "closed", want: nil, text: "closed"},
		{in: "Closed", want: nil, text: "closed"},
		{in: "09:00-20:00", want: DayHours{{540, 1200}}, text: "09:00-20:00"},
		{in: "9:00-20:00", want: DayHours{{540, 1200}}, text: "09:00-20:00"},
		{in: " 09:00 - 12:00 , 13:00-20:00 ", want: DayHours{{540, 720}, {780, 1200}}, text: "09:00-12:00,13:00-20:00"},
		{in: "00:00-24:00", want: DayHours{{0, 1440}}, text: "00:00-24:00"},
		{in: "09:00-12:00,12:00-20:00", want: DayHours{{540, 720}, {720, 1200}}, text: "09:00-12:00,12:00-20:00"},
		{in: "", err: `"" is not opening hours`},
		{in: "09:00", err: `"09:00" is not opening hours`},
		{in: "09:00-09:00", err: "closes before it opens"},
		{in: "24:00-24:00", err: "opens at 24:00"},
		{in: "9-20", err: `"9" is not a time of day`},
		{in: "09:00-20:00,", err: `"" is not opening hours`},
		{in: "13:00-20:00,09:00-12:00", err: "starts before the previous interval ends"},
		{in: "25:00-26:00", err: "not a time of day between 00:00 and 24:00"},
		{in: "-1:00-02:00", err: "is not a time of day"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseDayHours(tc.in)
			if tc.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
			assert.Equal(t, tc.text, got.String())
		})
	}
}

func TestDayOf(t *testing.T) {
	assert.Equal(t, Mon, DayOf(time.Monday))
	assert.Equal(t, Sat, DayOf(time.Saturday))
	assert.Equal(t, Sun, DayOf(time.Sunday))
}
