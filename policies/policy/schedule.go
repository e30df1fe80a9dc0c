package policy

import (
	"iter"
	"sync"
	"time"

	// Embedded zone data: Windows terminals have no zoneinfo files, and
	// opening hours must mean the same on every terminal.
	_ "time/tzdata"
)

// horizonDays bounds how far ahead ClosingAfter and NextOpening look: a
// library open round the clock, or closed for good, ends the search here.
const horizonDays = 400

// OpenAt reports whether the library is open at t.
func (h Hours) OpenAt(t time.Time) bool {
	for s := range h.spans(t) {
		if s.end.After(t) {
			return !s.start.After(t)
		}
	}
	return false
}

// ClosingAfter returns when the opening that contains t ends. Openings that
// meet (20:00-24:00 then 00:00-02:00 the next day) count as one. open is
// false, with a zero time, when the library is closed at t. closing is the
// zero time when the library stays open for the whole look-ahead (about a
// year), as a library without opening hours does.
func (h Hours) ClosingAfter(t time.Time) (closing time.Time, open bool) {
	for s := range h.spans(t) {
		switch {
		case closing.IsZero() && !s.end.After(t):
			continue // over before t
		case closing.IsZero() && s.start.After(t):
			return time.Time{}, false
		case closing.IsZero(), s.start.Equal(closing):
			closing = s.end
		default:
			return closing, true
		}
	}
	if closing.IsZero() {
		return time.Time{}, false
	}
	return time.Time{}, true
}

// NextOpening returns the first instant at or after t when the library is
// open: t itself when it is open at t. ok is false when it does not open
// within the look-ahead (about a year).
func (h Hours) NextOpening(t time.Time) (opening time.Time, ok bool) {
	for s := range h.spans(t) {
		if !s.end.After(t) {
			continue
		}
		if s.start.After(t) {
			return s.start, true
		}
		return t, true
	}
	return time.Time{}, false
}

// span is one opening as instants: [start, end).
type span struct{ start, end time.Time }

// spans yields the openings in order from the start of t's local date,
// skipping those that vanish in a clock change.
func (h Hours) spans(t time.Time) iter.Seq[span] {
	return func(yield func(span) bool) {
		loc := h.location()
		first := dateOf(t.In(loc))
		for i := range horizonDays {
			d := first.addDays(i)
			for _, iv := range h.on(d) {
				s := span{start: at(d, iv.Open, loc), end: at(d, iv.Close, loc)}
				if s.start.Before(s.end) && !yield(s) {
					return
				}
			}
		}
	}
}

// Location returns the time zone of the hours, UTC when it cannot be
// loaded (Validate refuses such a policy).
func (h Hours) Location() *time.Location {
	return h.location()
}

func (h Hours) location() *time.Location {
	loc, err := loadLocation(h.Timezone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// locations caches loaded zones: time.LoadLocation reads and parses zone
// data on every call, and the hours are consulted often.
var locations sync.Map

func loadLocation(name string) (*time.Location, error) {
	if v, ok := locations.Load(name); ok {
		return v.(*time.Location), nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, err
	}
	locations.Store(name, loc)
	return loc, nil
}

// at returns the instant at which the wall clock in loc first shows minute
// c of date d. Opening hours are wall-clock times, so when clocks go forward
// a time inside the skipped hour means the moment of the jump, and when
// clocks go back a repeated time means its first occurrence.
func at(d Date, c Clock, loc *time.Location) time.Time {
	t := time.Date(d.Year, d.Month, d.Day, 0, int(c), 0, 0, loc)
	want := time.Date(d.Year, d.Month, d.Day, 0, int(c), 0, 0, time.UTC)
	if !wall(t).Equal(want) {
		return jumpOver(t, want)
	}
	return firstOccurrence(t)
}

// wall is t's wall-clock reading as a UTC time, for comparing readings.
func wall(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
}

// jumpOver returns the moment clocks jumped over the reading want, given t,
// the instant time.Date chose for it on one side of the jump.
func jumpOver(t, want time.Time) time.Time {
	start, end := t.ZoneBounds()
	if wall(t).Before(want) && !end.IsZero() {
		return end
	}
	if !start.IsZero() {
		return start
	}
	return t
}

// firstOccurrence returns the earlier instant with t's wall-clock reading
// when clocks were turned back just before t, else t.
func firstOccurrence(t time.Time) time.Time {
	start, _ := t.ZoneBounds()
	if start.IsZero() {
		return t
	}
	_, cur := t.Zone()
	_, prev := start.Add(-time.Nanosecond).Zone()
	if prev <= cur {
		return t
	}
	earlier := t.Add(-time.Duration(prev-cur) * time.Second)
	if earlier.Before(start) && wall(earlier).Equal(wall(t)) {
		return earlier
	}
	return t
}
