package policy

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseRefusesBadLayers(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		key  string // the key the error must name
		line int
		msg  string // the whole error text
	}{
		{"unknown key with suggestion", "session:\n  max_minuts: 30\n", "session.max_minuts", 2,
			"policy: line 2: unknown key session.max_minuts (did you mean session.max_minutes?)"},
		{"unknown section", "sesion:\n  max_minutes: 30\n", "sesion", 1,
			"policy: line 1: unknown key sesion (did you mean session?)"},
		{"key in the wrong section", "session:\n  timezone: Europe/Helsinki\n", "session.timezone", 2,
			"policy: line 2: unknown key session.timezone (did you mean hours.timezone?)"},
		{"unknown key far from all", "wipe:\n  zzzzzzzzzz: 1\n", "wipe.zzzzzzzzzz", 2,
			"policy: line 2: unknown key wipe.zzzzzzzzzz; known keys here: skeleton, extra_paths, grace_seconds"},
		{"unknown weekday", "hours:\n  weekly:\n    monday: closed\n", "hours.weekly.monday", 3,
			"policy: line 3: unknown key hours.weekly.monday (did you mean hours.weekly.mon?)"},
		{"unknown exception key", "hours:\n  exceptions:\n    - {date: 2026-12-24, hours: closed, nte: x}\n", "hours.exceptions[0].nte", 3,
			"policy: line 3: unknown key hours.exceptions[0].nte (did you mean hours.exceptions[0].note?)"},
		{"key set twice", "session:\n  max_minutes: 30\n  max_minutes: 40\n", "session.max_minutes", 3,
			"policy: line 3: session.max_minutes is set twice (first on line 2); keep one"},
		{"int as text", "session:\n  max_minutes: sixty\n", "session.max_minutes", 2,
			`policy: line 2: session.max_minutes must be a whole number, got "sixty"`},
		{"int as fraction", "session:\n  max_minutes: 1.5\n", "session.max_minutes", 2,
			"policy: line 2: session.max_minutes must be a whole number, got 1.5"},
		{"int as list", "session:\n  max_minutes: [1]\n", "session.max_minutes", 2,
			"policy: line 2: session.max_minutes must be a whole number, got a list"},
		{"int empty", "session:\n  max_minutes:\n", "session.max_minutes", 2,
			"policy: line 2: session.max_minutes has no value; write a whole number, or remove the key to inherit it"},
		{"int too big for int", "session:\n  max_minutes: 99999999999999999999\n", "session.max_minutes", 2,
			"policy: line 2: session.max_minutes must be a whole number, got 99999999999999999999"},
		{"max_minutes zero", "session:\n  max_minutes: 0\n", "session.max_minutes", 2,
			"policy: line 2: session.max_minutes must be between 1 and 1440, got 0"},
		{"daily_minutes too big", "session:\n  daily_minutes: 1441\n", "session.daily_minutes", 2,
			"policy: line 2: session.daily_minutes must be between 1 and 1440, got 1441"},
		{"idle_logout_minutes zero", "session:\n  idle_logout_minutes: 0\n", "session.idle_logout_minutes", 2,
			"policy: line 2: session.idle_logout_minutes must be between 2 and 1440, got 0"},
		{"idle_logout_minutes one leaves no time to warn", "session:\n  idle_logout_minutes: 1\n", "session.idle_logout_minutes", 2,
			"policy: line 2: session.idle_logout_minutes must be between 2 and 1440, got 1"},
		{"extend_minutes zero", "session:\n  extend_minutes: 0\n", "session.extend_minutes", 2,
			"policy: line 2: session.extend_minutes must be between 1 and 1440, got 0"},
		{"max_extensions negative", "session:\n  max_extensions: -1\n", "session.max_extensions", 2,
			"policy: line 2: session.max_extensions must be between 0 and 20, got -1"},
		{"walkup_minutes zero", "session:\n  walkup_minutes: 0\n", "session.walkup_minutes", 2,
			"policy: line 2: session.walkup_minutes must be between 1 and 1440, got 0"},
		{"reservation_hold_minutes negative", "session:\n  reservation_hold_minutes: -5\n", "session.reservation_hold_minutes", 2,
			"policy: line 2: session.reservation_hold_minutes must be between 0 and 1440, got -5"},
		{"pin_attempts zero", "session:\n  pin_attempts: 0\n", "session.pin_attempts", 2,
			"policy: line 2: session.pin_attempts must be between 1 and 100, got 0"},
		{"pin_lockout_minutes zero", "session:\n  pin_lockout_minutes: 0\n", "session.pin_lockout_minutes", 2,
			"policy: line 2: session.pin_lockout_minutes must be between 1 and 1440, got 0"},
		{"end_before_closing_minutes too big", "session:\n  end_before_closing_minutes: 121\n", "session.end_before_closing_minutes", 2,
			"policy: line 2: session.end_before_closing_minutes must be between 0 and 120, got 121"},
		{"warn_minutes not a list", "session:\n  warn_minutes: 5\n", "session.warn_minutes", 2,
			"policy: line 2: session.warn_minutes must be a list like [5, 1], got 5"},
		{"warn_minutes item out of range", "session:\n  warn_minutes: [5, 0]\n", "session.warn_minutes[1]", 2,
			"policy: line 2: session.warn_minutes[1] must be between 1 and 1440, got 0"},
		{"warn_minutes item not a number", "session:\n  warn_minutes:\n    - 5\n    - soon\n", "session.warn_minutes[1]", 4,
			`policy: line 4: session.warn_minutes[1] must be a whole number, got "soon"`},
		{"warn_minutes too many", "session:\n  warn_minutes: [11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1]\n", "session.warn_minutes", 2,
			"policy: line 2: session.warn_minutes lists 11 warnings; keep it to at most 10"},
		{"offline unknown", "session:\n  offline: maybe\n", "session.offline", 2,
			`policy: line 2: session.offline must be one of allow_walkup, deny, got "maybe"`},
		{"kiosk_user a number", "session:\n  kiosk_user: 1234\n", "session.kiosk_user", 2,
			"policy: line 2: session.kiosk_user must be text (put it in quotes), got 1234"},
		{"kiosk_user with a space", "session:\n  kiosk_user: piste visitor\n", "session.kiosk_user", 2,
			`policy: line 2: session.kiosk_user must be an account name of letters, digits, '_', '.' or '-' (at most 32), got "piste visitor"`},
		{"kiosk_user root", "session:\n  kiosk_user: root\n", "session.kiosk_user", 2,
			`policy: line 2: session.kiosk_user must not be the administrator account "root": its home is wiped after every visitor`},
		{"kiosk_user Administrator", "session:\n  kiosk_user: Administrator\n", "session.kiosk_user", 2,
			`policy: line 2: session.kiosk_user must not be the administrator account "Administrator": its home is wiped after every visitor`},
		{"fee_limit text", "session:\n  fee_limit: ten\n", "session.fee_limit", 2,
			`policy: line 2: session.fee_limit must be an amount like 10.00, got "ten"`},
		{"fee_limit three decimals", "session:\n  fee_limit: 10.005\n", "session.fee_limit", 2,
			"policy: line 2: session.fee_limit must be an amount like 10 or 10.50, got 10.005"},
		{"fee_limit negative", "session:\n  fee_limit: -1\n", "session.fee_limit", 2,
			"policy: line 2: session.fee_limit must be an amount like 10 or 10.50, got -1"},
		{"fee_limit exponent", "session:\n  fee_limit: 1e3\n", "session.fee_limit", 2,
			"policy: line 2: session.fee_limit must be an amount like 10 or 10.50, got 1e3"},
		{"skeleton relative", "wipe:\n  skeleton: skel\n", "wipe.skeleton", 2,
			`policy: line 2: wipe.skeleton must be an absolute path like /etc/piste/skel, got "skel"`},
		{"extra_paths relative", "wipe:\n  extra_paths: [/var/tmp/x, tmp/y]\n", "wipe.extra_paths[1]", 2,
			`policy: line 2: wipe.extra_paths[1] must be an absolute path like /var/tmp/piste-visitor, got "tmp/y"`},
		{"extra_paths root", "wipe:\n  extra_paths: [/]\n", "wipe.extra_paths[0]", 2,
			`policy: line 2: wipe.extra_paths[0] is "/", too near the root of the disk to wipe; name a folder at least two levels deep`},
		{"extra_paths /home", "wipe:\n  extra_paths: [/home/]\n", "wipe.extra_paths[0]", 2,
			`policy: line 2: wipe.extra_paths[0] is "/home/", too near the root of the disk to wipe; name a folder at least two levels deep`},
		{"extra_paths climbs to root", "wipe:\n  extra_paths: [/var/tmp/../..]\n", "wipe.extra_paths[0]", 2,
			`policy: line 2: wipe.extra_paths[0] is "/var/tmp/../..", too near the root of the disk to wipe; name a folder at least two levels deep`},
		{"extra_paths windows users", "wipe:\n  extra_paths: ['C:\\Users']\n", "wipe.extra_paths[0]", 2,
			`policy: line 2: wipe.extra_paths[0] is "C:\\Users", too near the root of the disk to wipe; name a folder at least two levels deep`},
		{"grace_seconds too long", "wipe:\n  grace_seconds: 61\n", "wipe.grace_seconds", 2,
			"policy: line 2: wipe.grace_seconds must be between 0 and 60, got 61"},
		{"language unknown", "accessibility:\n  default_language: de\n", "accessibility.default_language", 2,
			`policy: line 2: accessibility.default_language must be one of fi, sv, en, got "de"`},
		{"text_scale too small", "accessibility:\n  text_scale: 90\n", "accessibility.text_scale", 2,
			"policy: line 2: accessibility.text_scale must be between 100 and 200, got 90"},
		{"high_contrast not a bool", "accessibility:\n  high_contrast: sometimes\n", "accessibility.high_contrast", 2,
			`policy: line 2: accessibility.high_contrast must be true or false, got "sometimes"`},
		{"timezone unknown", "hours:\n  timezone: Europe/Kallio\n", "hours.timezone", 2,
			`policy: line 2: hours.timezone must name a time zone like Europe/Helsinki, got "Europe/Kallio" (unknown zone)`},
		{"timezone Local", "hours:\n  timezone: Local\n", "hours.timezone", 2,
			`policy: line 2: hours.timezone must name a time zone like Europe/Helsinki, got "Local"`},
		{"weekly a list", "hours:\n  weekly: [mon]\n", "hours.weekly", 2,
			`policy: line 2: hours.weekly must be a mapping of days to hours, like mon: "09:00-20:00", got a list`},
		{"weekly bad interval", "hours:\n  weekly:\n    mon: 9-20\n", "hours.weekly.mon", 3,
			`policy: line 3: hours.weekly.mon "9-20": "9" is not a time of day; write it like 09:00`},
		{"weekly no dash", "hours:\n  weekly:\n    mon: open\n", "hours.weekly.mon", 3,
			`policy: line 3: hours.weekly.mon "open": "open" is not opening hours; write them like 09:00-20:00, 09:00-12:00,13:00-20:00 or closed`},
		{"weekly past midnight", "hours:\n  weekly:\n    fri: \"20:00-02:00\"\n", "hours.weekly.fri", 3,
			`policy: line 3: hours.weekly.fri "20:00-02:00": 20:00-02:00 closes before it opens; an interval cannot run past midnight, so end it at 24:00 and open again at 00:00 the next day`},
		{"weekly overlap", "hours:\n  weekly:\n    mon: \"09:00-13:00,12:00-20:00\"\n", "hours.weekly.mon", 3,
			`policy: line 3: hours.weekly.mon "09:00-13:00,12:00-20:00": 12:00-20:00 starts before the previous interval ends; list intervals in order without overlap`},
		{"weekly minute 60", "hours:\n  weekly:\n    mon: \"09:60-20:00\"\n", "hours.weekly.mon", 3,
			`policy: line 3: hours.weekly.mon "09:60-20:00": "09:60" is not a time of day between 00:00 and 24:00`},
		{"weekly 24:30", "hours:\n  weekly:\n    mon: \"09:00-24:30\"\n", "hours.weekly.mon", 3,
			`policy: line 3: hours.weekly.mon "09:00-24:30": "24:30" is not a time of day between 00:00 and 24:00`},
		{"weekly number", "hours:\n  weekly:\n    mon: 9\n", "hours.weekly.mon", 3,
			"policy: line 3: hours.weekly.mon must be text (put it in quotes), got 9"},
		{"exceptions not a list", "hours:\n  exceptions: {date: 2026-12-24}\n", "hours.exceptions", 2,
			"policy: line 2: hours.exceptions must be a list of dates, like - {date: 2026-12-24, hours: closed}, got a mapping"},
		{"exception bad date", "hours:\n  exceptions:\n    - date: 2026-02-30\n      hours: closed\n", "hours.exceptions[0].date", 3,
			`policy: line 3: hours.exceptions[0].date must be a date like 2026-12-24, got "2026-02-30"`},
		{"exception without hours", "hours:\n  exceptions:\n    - date: 2026-12-24\n", "hours.exceptions[0]", 3,
			"policy: line 3: hours.exceptions[0] needs both date and hours, like {date: 2026-12-24, hours: closed}"},
		{"exception date twice", "hours:\n  exceptions:\n    - {date: 2026-12-24, hours: closed}\n    - {date: 2026-12-24, hours: \"09:00-12:00\"}\n", "hours.exceptions[1].date", 4,
			"policy: line 4: hours.exceptions[1].date repeats 2026-12-24 (first on line 3); give each date once"},
		{"section not a mapping", "session: 60\n", "session", 1,
			"policy: line 1: session must be a mapping of keys, got 60"},
		{"document not a mapping", "- session\n", "", 1,
			"policy: line 1: a policy must be a mapping of sections (session, wipe, accessibility, hours, help, library, alerts, power), got a list"},
		{"two documents", "session: {}\n---\nwipe: {}\n", "", 0,
			"policy: the file holds more than one YAML document (---); keep one policy layer per file"},
		{"not YAML", "session:\n  max_minutes: [\n", "", 0,
			"policy: not valid YAML: line 2: did not find expected node content"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l, err := Parse([]byte(tc.yaml))
			require.Error(t, err)
			assert.Equal(t, tc.msg, err.Error())
			var pe *Error
			require.True(t, errors.As(err, &pe), "error is not a *policy.Error: %T", err)
			assert.Equal(t, tc.key, pe.Key)
			assert.Equal(t, tc.line, pe.Line)
			assert.Empty(t, l.Keys(), "a refused layer sets nothing")
		})
	}
}

func TestParseReportsEveryProblemInLineOrder(t *testing.T) {
	_, err := Parse([]byte(`
session:
  max_minuts: 30
  max_minutes: 0
hours:
  weekly:
    mon: "9-20"
  timezone: Mars/Olympus
`))
	require.Error(t, err)
	var lines []int
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		var pe *Error
		require.True(t, errors.As(e, &pe))
		lines = append(lines, pe.Line)
	}
	assert.Equal(t, []int{3, 4, 7, 8}, lines)
}

func TestParseAcceptsValidLayers(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		keys []string
	}{
		{"empty document", "", nil},
		{"only a comment", "# nothing set here\n", nil},
		{"null document", "~\n", nil},
		{"empty sections", "session:\nwipe: {}\n", nil},
		{"one key", "session:\n  max_minutes: 30\n", []string{"session.max_minutes"}},
		{"flow style", "{session: {warn_minutes: [], fee_limit: 0}}", []string{"session.warn_minutes", "session.fee_limit"}},
		{"quoted and unquoted dates", "hours:\n  exceptions:\n    - {date: 2026-12-24, hours: closed}\n    - {date: \"2026-12-31\", hours: \"09:00-14:00\"}\n", []string{"hours.exceptions"}},
		{"anchors reuse a day", "hours:\n  weekly:\n    mon: &long \"09:00-20:00\"\n    tue: *long\n", []string{"hours.weekly"}},
		{"windows paths", "wipe:\n  skeleton: 'C:\\ProgramData\\Piste\\skel'\n  extra_paths: ['C:\\Users\\Public\\Scans']\n", []string{"wipe.skeleton", "wipe.extra_paths"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l, err := Parse([]byte(tc.yaml))
			require.NoError(t, err)
			assert.Equal(t, tc.keys, l.Keys())
			for _, k := range tc.keys {
				assert.True(t, l.Has(k), k)
			}
		})
	}
}

func TestParseReadsValues(t *testing.T) {
	l, err := Parse([]byte(`
session:
  max_minutes: 30
  fee_limit: 2.5
  offline: deny
accessibility:
  high_contrast: true
hours:
  weekly:
    mon: &day "09:00-12:00, 13:00-20:00"
    tue: *day
    sun: closed
  exceptions:
    - date: 2026-12-31
      hours: "09:00-14:00"
      note: New Year's Eve
`))
	require.NoError(t, err)
	p := Merge(l)
	assert.Equal(t, 30, p.Session.MaxMinutes)
	assert.Equal(t, Money(250), p.Session.FeeLimit)
	assert.Equal(t, OfflineDeny, p.Session.Offline)
	assert.True(t, p.Accessibility.HighContrast)
	split := DayHours{{Open: 9 * 60, Close: 12 * 60}, {Open: 13 * 60, Close: 20 * 60}}
	assert.Equal(t, Weekly{Mon: split, Tue: split, Sun: nil}, p.Hours.Weekly)
	assert.Equal(t, []Exception{{Date: Date{2026, 12, 31}, Hours: DayHours{{Open: 9 * 60, Close: 14 * 60}}, Note: "New Year's Eve"}}, p.Hours.Exceptions)
}
