package policy

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Hours are a branch's opening hours: a weekly schedule and exceptions for
// particular dates, in the branch's time zone. With no weekly schedule the
// library counts as open round the clock (exceptions still apply); with a
// schedule, a day it does not mention is closed.
type Hours struct {
	Timezone   string      `json:"timezone"`
	Weekly     Weekly      `json:"weekly"`
	Exceptions []Exception `json:"exceptions"`
}

// Day names a weekday the way policies write it: mon, tue, ... sun.
type Day string

// The days of the week, Monday first as in Finnish calendars.
const (
	Mon Day = "mon"
	Tue Day = "tue"
	Wed Day = "wed"
	Thu Day = "thu"
	Fri Day = "fri"
	Sat Day = "sat"
	Sun Day = "sun"
)

// Days lists the days of the week in calendar order.
var Days = []Day{Mon, Tue, Wed, Thu, Fri, Sat, Sun}

// DayOf returns the Day for a time.Weekday.
func DayOf(w time.Weekday) Day {
	return Days[(int(w)+6)%7]
}

// Weekly maps each day to its opening hours.
type Weekly map[Day]DayHours

// MarshalYAML writes the days in calendar order rather than alphabetically.
func (w Weekly) MarshalYAML() (any, error) {
	n := &yaml.Node{Kind: yaml.MappingNode}
	for _, d := range Days {
		hours, ok := w[d]
		if !ok {
			continue
		}
		n.Content = append(n.Content,
			&yaml.Node{Kind: yaml.ScalarNode, Value: string(d)},
			&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: hours.String()})
	}
	return n, nil
}

// Clock is a wall-clock time of day in minutes after local midnight,
// 0 (00:00) to 1440 (24:00, the end of the day).
type Clock int

const endOfDay Clock = 24 * 60

func (c Clock) String() string {
	return fmt.Sprintf("%02d:%02d", c/60, c%60)
}

// Interval is one stretch of opening on a day, from Open up to (not
// including) Close.
type Interval struct {
	Open  Clock `json:"open"`
	Close Clock `json:"close"`
}

// DayHours are one day's opening intervals in order; none means closed.
// It is written "09:00-20:00", "09:00-12:00,13:00-20:00" or "closed".
type DayHours []Interval

// allDay is the hours of a library with no weekly schedule.
var allDay = DayHours{{Open: 0, Close: endOfDay}}

func (h DayHours) String() string {
	if len(h) == 0 {
		return "closed"
	}
	parts := make([]string, len(h))
	for i, iv := range h {
		parts[i] = iv.Open.String() + "-" + iv.Close.String()
	}
	return strings.Join(parts, ",")
}

// MarshalText writes h in its policy form, so JSON and YAML carry it as text.
func (h DayHours) MarshalText() ([]byte, error) {
	return []byte(h.String()), nil
}

// UnmarshalText reads h from its policy form.
func (h *DayHours) UnmarshalText(b []byte) error {
	v, err := ParseDayHours(string(b))
	if err != nil {
		return fmt.Errorf("policy: opening hours: %w", err)
	}
	*h = v
	return nil
}

// ParseDayHours reads one day's hours: "closed", or comma-separated
// intervals "HH:MM-HH:MM" in order, not overlapping, ending by 24:00.
// An interval may not run past midnight: split it over the two days.
func ParseDayHours(s string) (DayHours, error) {
	s = strings.TrimSpace(s)
	if strings.EqualFold(s, "closed") {
		return nil, nil
	}
	var out DayHours
	for part := range strings.SplitSeq(s, ",") {
		iv, err := parseInterval(strings.TrimSpace(part))
		if err != nil {
			return nil, err
		}
		if len(out) > 0 && iv.Open < out[len(out)-1].Close {
			return nil, fmt.Errorf("%s starts before the previous interval ends; list intervals in order without overlap", part)
		}
		out = append(out, iv)
	}
	return out, nil
}

func parseInterval(s string) (Interval, error) {
	open, close, ok := strings.Cut(s, "-")
	if !ok {
		return Interval{}, fmt.Errorf("%q is not opening hours; write them like 09:00-20:00, 09:00-12:00,13:00-20:00 or closed", s)
	}
	o, err := parseClock(strings.TrimSpace(open))
	if err != nil {
		return Interval{}, err
	}
	c, err := parseClock(strings.TrimSpace(close))
	if err != nil {
		return Interval{}, err
	}
	switch {
	case o == endOfDay:
		return Interval{}, fmt.Errorf("%s opens at 24:00; write 00:00 on the next day", s)
	case c <= o:
		return Interval{}, fmt.Errorf("%s closes before it opens; an interval cannot run past midnight, so end it at 24:00 and open again at 00:00 the next day", s)
	}
	return Interval{Open: o, Close: c}, nil
}

// check reports intervals that ParseDayHours would refuse: out of the
// day, empty, out of order or overlapping.
func (h DayHours) check() error {
	for i, iv := range h {
		if iv.Open < 0 || iv.Close > endOfDay || iv.Close <= iv.Open {
			return fmt.Errorf("interval %d is not within the day or closes before it opens", i+1)
		}
		if i > 0 && iv.Open < h[i-1].Close {
			return fmt.Errorf("interval %d starts before the previous one ends", i+1)
		}
	}
	return nil
}

// parseClock reads "H:MM" or "HH:MM", 00:00 to 24:00.
func parseClock(s string) (Clock, error) {
	hh, mm, ok := strings.Cut(s, ":")
	if !ok || len(hh) < 1 || len(hh) > 2 || len(mm) != 2 || !digits(hh) || !digits(mm) {
		return 0, fmt.Errorf("%q is not a time of day; write it like 09:00", s)
	}
	h, _ := strconv.Atoi(hh)
	m, _ := strconv.Atoi(mm)
	c := Clock(h*60 + m)
	if h > 24 || m > 59 || c > endOfDay {
		return 0, fmt.Errorf("%q is not a time of day between 00:00 and 24:00", s)
	}
	return c, nil
}

// Date is a calendar date in the branch's time zone.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// ParseDate reads a date written YYYY-MM-DD.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("%q is not a date; write it like 2026-12-24", s)
	}
	return dateOf(t), nil
}

func dateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{Year: y, Month: m, Day: d}
}

func (d Date) String() string {
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day)
}

// MarshalText writes d as YYYY-MM-DD.
func (d Date) MarshalText() ([]byte, error) {
	return []byte(d.String()), nil
}

// UnmarshalText reads d from YYYY-MM-DD.
func (d *Date) UnmarshalText(b []byte) error {
	v, err := ParseDate(string(b))
	if err != nil {
		return fmt.Errorf("policy: %w", err)
	}
	*d = v
	return nil
}

func (d Date) addDays(n int) Date {
	return dateOf(time.Date(d.Year, d.Month, d.Day+n, 12, 0, 0, 0, time.UTC))
}

func (d Date) weekday() time.Weekday {
	return time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC).Weekday()
}

func (d Date) before(o Date) bool {
	if d.Year != o.Year {
		return d.Year < o.Year
	}
	if d.Month != o.Month {
		return d.Month < o.Month
	}
	return d.Day < o.Day
}

// Exception replaces the weekly hours on one date, such as a holiday.
type Exception struct {
	Date  Date     `json:"date" yaml:"date"`
	Hours DayHours `json:"hours" yaml:"hours"`
	Note  string   `json:"note,omitempty" yaml:"note,omitempty"`
}

// on returns the opening hours for a local date.
func (h Hours) on(d Date) DayHours {
	for _, e := range h.Exceptions {
		if e.Date == d {
			return e.Hours
		}
	}
	if len(h.Weekly) == 0 {
		return allDay
	}
	return h.Weekly[DayOf(d.weekday())]
}

// sortExceptions orders exceptions by date, the order people read them in.
func sortExceptions(list []Exception) {
	slices.SortStableFunc(list, func(a, b Exception) int {
		switch {
		case a.Date.before(b.Date):
			return -1
		case b.Date.before(a.Date):
			return 1
		}
		return 0
	})
}
