package policy

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func mustParse(t testing.TB, yaml string) Layer {
	t.Helper()
	l, err := Parse([]byte(yaml))
	require.NoError(t, err)
	return l
}

func TestMergeWithoutLayersIsDefaults(t *testing.T) {
	p := Merge()
	assert.Equal(t, Defaults(), p)
	assert.Equal(t, 60, p.Session.MaxMinutes)
	assert.Equal(t, "piste-visitor", p.Session.KioskUser)
	assert.Equal(t, []int{5, 1}, p.Session.WarnMinutes)
	assert.Equal(t, Money(1000), p.Session.FeeLimit)
	assert.Equal(t, Finnish, p.Accessibility.DefaultLanguage)
	assert.Equal(t, "Europe/Helsinki", p.Hours.Timezone)
	require.NoError(t, p.Validate())
}

func TestMergePrecedence(t *testing.T) {
	fleet := mustParse(t, "session:\n  max_minutes: 50\n  daily_minutes: 200\n  idle_logout_minutes: 8\n")
	branch := mustParse(t, "session:\n  max_minutes: 40\n  idle_logout_minutes: 6\n")
	terminal := mustParse(t, "session:\n  max_minutes: 15\n")

	tests := []struct {
		name                 string
		layers               []Layer
		max, daily, idle, ex int
	}{
		{"defaults only", nil, 60, 120, 10, 15},
		{"fleet", []Layer{fleet}, 50, 200, 8, 15},
		{"fleet and branch", []Layer{fleet, branch}, 40, 200, 6, 15},
		{"fleet, branch and terminal", []Layer{fleet, branch, terminal}, 15, 200, 6, 15},
		{"an empty layer changes nothing", []Layer{fleet, {}, mustParse(t, "")}, 50, 200, 8, 15},
		{"order is what counts", []Layer{terminal, branch, fleet}, 50, 200, 8, 15},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := Merge(tc.layers...)
			assert.Equal(t, tc.max, p.Session.MaxMinutes, "max_minutes")
			assert.Equal(t, tc.daily, p.Session.DailyMinutes, "daily_minutes")
			assert.Equal(t, tc.idle, p.Session.IdleLogoutMinutes, "idle_logout_minutes")
			assert.Equal(t, tc.ex, p.Session.ExtendMinutes, "extend_minutes")
		})
	}
}

func TestMergeSetsFalseAndZero(t *testing.T) {
	// A later layer can turn things off: zero and false are values, not "unset".
	on := mustParse(t, "accessibility:\n  high_contrast: true\nsession:\n  max_extensions: 2\n")
	off := mustParse(t, "accessibility:\n  high_contrast: false\nsession:\n  max_extensions: 0\n  warn_minutes: []\n")
	p := Merge(on, off)
	assert.False(t, p.Accessibility.HighContrast)
	assert.Equal(t, 0, p.Session.MaxExtensions)
	assert.Empty(t, p.Session.WarnMinutes)
}

func TestMergeListsAndHours(t *testing.T) {
	fleet := mustParse(t, `
session: {warn_minutes: [10, 5, 1]}
wipe: {extra_paths: [/var/spool/piste/scans]}
hours:
  weekly: {mon: "09:00-20:00", tue: "09:00-20:00", sun: closed}
  exceptions:
    - {date: 2026-12-24, hours: closed, note: Christmas Eve}
    - {date: 2026-12-25, hours: closed}
`)
	branch := mustParse(t, `
session: {warn_minutes: [3]}
wipe: {extra_paths: [/var/tmp/piste-visitor, /var/spool/piste/scans]}
hours:
  weekly: {tue: "12:00-18:00", sat: "10:00-16:00"}
  exceptions:
    - {date: 2026-12-24, hours: "09:00-12:00", note: Open in the morning}
    - {date: 2026-06-19, hours: closed}
`)
	terminal := mustParse(t, "wipe: {extra_paths: []}\n")
	p := Merge(fleet, branch, terminal)

	assert.Equal(t, []int{3}, p.Session.WarnMinutes, "warn_minutes: the later list replaces")
	assert.Equal(t, []string{"/var/spool/piste/scans", "/var/tmp/piste-visitor"}, p.Wipe.ExtraPaths,
		"extra_paths: later layers add, an empty list removes nothing")
	assert.Equal(t, Weekly{
		Mon: {{Open: 540, Close: 1200}},
		Tue: {{Open: 720, Close: 1080}},
		Sat: {{Open: 600, Close: 960}},
		Sun: nil,
	}, p.Hours.Weekly, "weekly: per day")
	assert.Equal(t, []Exception{
		{Date: Date{2026, 6, 19}, Hours: nil},
		{Date: Date{2026, 12, 24}, Hours: DayHours{{Open: 540, Close: 720}}, Note: "Open in the morning"},
		{Date: Date{2026, 12, 25}, Hours: nil},
	}, p.Hours.Exceptions, "exceptions: by date, in date order")
}

func TestMergeSharesNothing(t *testing.T) {
	l := mustParse(t, "session: {warn_minutes: [5, 1]}\nhours: {weekly: {mon: \"09:00-20:00\"}, exceptions: [{date: 2026-12-24, hours: \"09:00-12:00\"}]}\n")
	p := Merge(l)
	p.Session.WarnMinutes[0] = 99
	p.Hours.Weekly[Mon][0].Open = 0
	p.Hours.Exceptions[0].Hours[0].Open = 0
	p.Wipe.ExtraPaths = append(p.Wipe.ExtraPaths, "/x/y")

	again := Merge(l)
	assert.Equal(t, []int{5, 1}, again.Session.WarnMinutes)
	assert.Equal(t, Clock(540), again.Hours.Weekly[Mon][0].Open)
	assert.Equal(t, Clock(540), again.Hours.Exceptions[0].Hours[0].Open)
	assert.Equal(t, Defaults(), Merge(), "changing a merged policy must not change the defaults")
}

func TestValidateCrossFieldRules(t *testing.T) {
	tests := []struct {
		name   string
		layers []string
		key    string
		msg    string
	}{
		{"walkup longer than a session", []string{"session: {max_minutes: 20}"}, "session.walkup_minutes",
			"policy: session.walkup_minutes (30) must not exceed session.max_minutes (20)"},
		{"daily shorter than a session", []string{"session: {daily_minutes: 45}"}, "session.daily_minutes",
			"policy: session.daily_minutes (45) must be at least session.max_minutes (60)"},
		{"warning at the session length", []string{"session: {warn_minutes: [60, 5]}"}, "session.warn_minutes[0]",
			"policy: session.warn_minutes[0] (60) must be below session.max_minutes (60)"},
		{"warnings ascending", []string{"session: {warn_minutes: [1, 5]}"}, "session.warn_minutes[1]",
			"policy: session.warn_minutes[1] (5) must be smaller than the warning before it (1); list warnings from the earliest, like [5, 1]"},
		{"warnings repeated", []string{"session: {warn_minutes: [5, 5]}"}, "session.warn_minutes[1]",
			"policy: session.warn_minutes[1] (5) must be smaller than the warning before it (5); list warnings from the earliest, like [5, 1]"},
		{"a terminal shortens below the branch's warnings", []string{"session: {warn_minutes: [10, 5]}", "session: {max_minutes: 10, walkup_minutes: 10}"},
			"session.warn_minutes[0]", "policy: session.warn_minutes[0] (10) must be below session.max_minutes (10)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var layers []Layer
			for _, y := range tc.layers {
				layers = append(layers, mustParse(t, y))
			}
			_, err := Resolve(layers...)
			require.Error(t, err)
			assert.Equal(t, tc.msg, err.Error())
			var pe *Error
			require.True(t, errors.As(err, &pe))
			assert.Equal(t, tc.key, pe.Key)
			assert.Zero(t, pe.Line, "a merged policy has no lines")
		})
	}
}

func TestValidateRechecksRanges(t *testing.T) {
	// A Policy that did not come from Parse (JSON, code) gets the same checks.
	tests := []struct {
		name   string
		change func(*Policy)
		msg    string
	}{
		{"max_minutes", func(p *Policy) { p.Session.MaxMinutes = 0 }, "session.max_minutes must be between 1 and 1440, got 0"},
		{"offline", func(p *Policy) { p.Session.Offline = "" }, `session.offline must be one of allow_walkup, deny, got ""`},
		{"kiosk_user", func(p *Policy) { p.Session.KioskUser = "root" }, `session.kiosk_user must not be the administrator account "root"`},
		{"fee_limit", func(p *Policy) { p.Session.FeeLimit = -1 }, "session.fee_limit must be between 0.00 and 1000000.00, got -0.01"},
		{"extra_paths", func(p *Policy) { p.Wipe.ExtraPaths = []string{"/tmp"} }, `wipe.extra_paths[0] is "/tmp", too near the root`},
		{"timezone", func(p *Policy) { p.Hours.Timezone = "" }, `hours.timezone must name a time zone like Europe/Helsinki, got ""`},
		{"text_scale", func(p *Policy) { p.Accessibility.TextScale = 250 }, "accessibility.text_scale must be between 100 and 200, got 250"},
		{"exception dates", func(p *Policy) {
			p.Hours.Exceptions = []Exception{{Date: Date{2026, 1, 1}}, {Date: Date{2026, 1, 1}}}
		}, "hours.exceptions[1].date repeats 2026-01-01"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := Defaults()
			tc.change(&p)
			err := p.Validate()
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.msg)
		})
	}
}

func TestLayerKeys(t *testing.T) {
	l := mustParse(t, "hours: {timezone: UTC}\nsession: {max_minutes: 5, walkup_minutes: 5}\n")
	assert.Equal(t, []string{"session.max_minutes", "session.walkup_minutes", "hours.timezone"}, l.Keys(),
		"keys come in documentation order, not file order")
	assert.False(t, l.Has("session.daily_minutes"))
	assert.Empty(t, Layer{}.Keys())
}

func TestValidateHoursBuiltInCode(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Hours)
		msg    string
	}{
		{"unknown day", func(h *Hours) { h.Weekly = Weekly{"monday": nil} }, "hours.weekly.monday is not a day"},
		{"backwards interval", func(h *Hours) { h.Weekly = Weekly{Mon: {{Open: 600, Close: 500}}} }, `hours.weekly.mon "10:00-08:20": interval 1 is not within the day`},
		{"past midnight", func(h *Hours) { h.Weekly = Weekly{Mon: {{Open: 600, Close: 1500}}} }, "interval 1 is not within the day"},
		{"overlap", func(h *Hours) { h.Weekly = Weekly{Tue: {{Open: 0, Close: 600}, {Open: 500, Close: 700}}} }, "interval 2 starts before the previous one ends"},
		{"bad exception date", func(h *Hours) { h.Exceptions = []Exception{{Date: Date{2026, 2, 30}}} }, `hours.exceptions[0].date must be a date like 2026-12-24, got "2026-02-30"`},
		{"bad exception hours", func(h *Hours) {
			h.Exceptions = []Exception{{Date: Date{2026, 2, 3}, Hours: DayHours{{Open: -5, Close: 10}}}}
		}, "hours.exceptions[0].hours"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := Defaults()
			tc.change(&p.Hours)
			err := p.Validate()
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.msg)
		})
	}
}
