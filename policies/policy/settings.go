package policy

import (
	"gopkg.in/yaml.v3"
)

// setting is one policy key: how to read it from YAML, check it, merge it
// into a Policy and write it back. The table below is the one place a key
// is defined; Parse, Merge, Validate and Layer's YAML all follow it.
type setting interface {
	name() string
	decode(n *yaml.Node) (any, error)
	apply(p *Policy, v any)
	check(p *Policy) error
}

// field is a setting whose value has type T.
type field[T any] struct {
	key   string
	get   func(*Policy) *T
	parse func(n *yaml.Node, key string) (T, error)
	valid func(key string, v T) error // range and format; nil when the type says it all
	join  func(old, new T) T          // how a later layer combines; nil replaces
}

func (f field[T]) name() string { return f.key }

func (f field[T]) decode(n *yaml.Node) (any, error) {
	v, err := f.parse(n, f.key)
	if err != nil {
		return nil, err
	}
	if err := f.check1(v); err != nil {
		return nil, atLine(err, deref(n).Line)
	}
	return v, nil
}

func (f field[T]) check1(v T) error {
	if f.valid == nil {
		return nil
	}
	return f.valid(f.key, v)
}

func (f field[T]) apply(p *Policy, v any) {
	dst := f.get(p)
	if f.join != nil {
		*dst = f.join(*dst, v.(T))
		return
	}
	*dst = v.(T)
}

func (f field[T]) check(p *Policy) error {
	return f.check1(*f.get(p))
}

// settings are all policy keys in the order they are documented.
var settings = []setting{
	field[string]{key: "session.kiosk_user", get: func(p *Policy) *string { return &p.Session.KioskUser }, parse: parseString, valid: checkUsername},
	number("session.max_minutes", 1, 1440, func(p *Policy) *int { return &p.Session.MaxMinutes }),
	number("session.daily_minutes", 1, 1440, func(p *Policy) *int { return &p.Session.DailyMinutes }),
	// At least 2: the visitor is warned a minute before an idle end.
	number("session.idle_logout_minutes", 2, 1440, func(p *Policy) *int { return &p.Session.IdleLogoutMinutes }),
	field[[]int]{key: "session.warn_minutes", get: func(p *Policy) *[]int { return &p.Session.WarnMinutes }, parse: listOf(parseInt), valid: checkWarnMinutes, join: replaceList[int]},
	number("session.extend_minutes", 1, 1440, func(p *Policy) *int { return &p.Session.ExtendMinutes }),
	number("session.max_extensions", 0, 20, func(p *Policy) *int { return &p.Session.MaxExtensions }),
	field[OfflineMode]{key: "session.offline", get: func(p *Policy) *OfflineMode { return &p.Session.Offline }, parse: parseText[OfflineMode], valid: oneOf(OfflineAllowWalkup, OfflineDeny)},
	number("session.walkup_minutes", 1, 1440, func(p *Policy) *int { return &p.Session.WalkupMinutes }),
	number("session.reservation_hold_minutes", 0, 1440, func(p *Policy) *int { return &p.Session.ReservationHoldMinutes }),
	number("session.pin_attempts", 1, 100, func(p *Policy) *int { return &p.Session.PINAttempts }),
	number("session.pin_lockout_minutes", 1, 1440, func(p *Policy) *int { return &p.Session.PINLockoutMinutes }),
	field[Money]{key: "session.fee_limit", get: func(p *Policy) *Money { return &p.Session.FeeLimit }, parse: parseMoney, valid: checkMoney},
	number("session.end_before_closing_minutes", 0, 120, func(p *Policy) *int { return &p.Session.EndBeforeClosingMinutes }),

	field[string]{key: "wipe.skeleton", get: func(p *Policy) *string { return &p.Wipe.Skeleton }, parse: parseString, valid: checkSkeleton},
	field[[]string]{key: "wipe.extra_paths", get: func(p *Policy) *[]string { return &p.Wipe.ExtraPaths }, parse: listOf(parseString), valid: checkExtraPaths, join: unionPaths},
	number("wipe.grace_seconds", 0, 60, func(p *Policy) *int { return &p.Wipe.GraceSeconds }),

	field[Language]{key: "accessibility.default_language", get: func(p *Policy) *Language { return &p.Accessibility.DefaultLanguage }, parse: parseText[Language], valid: oneOf(Finnish, Swedish, English)},
	number("accessibility.text_scale", 100, 200, func(p *Policy) *int { return &p.Accessibility.TextScale }),
	field[bool]{key: "accessibility.high_contrast", get: func(p *Policy) *bool { return &p.Accessibility.HighContrast }, parse: parseBool},

	field[string]{key: "library.name", get: func(p *Policy) *string { return &p.Library.Name }, parse: parseString, valid: checkLibraryName},

	field[string]{key: "hours.timezone", get: func(p *Policy) *string { return &p.Hours.Timezone }, parse: parseString, valid: checkTimezone},
	field[Weekly]{key: "hours.weekly", get: func(p *Policy) *Weekly { return &p.Hours.Weekly }, parse: parseWeekly, valid: checkWeekly, join: overlayWeekly},
	field[[]Exception]{key: "hours.exceptions", get: func(p *Policy) *[]Exception { return &p.Hours.Exceptions }, parse: parseExceptions, valid: checkExceptions, join: mergeExceptions},

	field[[]string]{key: "help.topics", get: func(p *Policy) *[]string { return &p.Help.Topics }, parse: listOf(parseString), valid: checkTopics, join: replaceList[string]},
	field[Weekly]{key: "help.support", get: func(p *Policy) *Weekly { return &p.Help.Support }, parse: parseWeekly, valid: checkWeekly, join: overlayWeekly},
	number("help.welcome_timeout_minutes", 1, 240, func(p *Policy) *int { return &p.Help.WelcomeTimeoutMinutes }),

	number("alerts.offline_minutes", 1, 1440, func(p *Policy) *int { return &p.Alerts.OfflineMinutes }),
	number("alerts.disk_percent", 50, 100, func(p *Policy) *int { return &p.Alerts.DiskPercent }),
	field[bool]{key: "alerts.version_behind", get: func(p *Policy) *bool { return &p.Alerts.VersionBehind }, parse: parseBool},
	number("alerts.clock_skew_seconds", 5, 86400, func(p *Policy) *int { return &p.Alerts.ClockSkewSeconds }),

	field[bool]{key: "power.enabled", get: func(p *Policy) *bool { return &p.Power.Enabled }, parse: parseBool},
	number("power.shutdown_after_closing_minutes", 0, 240, func(p *Policy) *int { return &p.Power.ShutdownAfterClosingMinutes }),
	number("power.wake_before_opening_minutes", 1, 240, func(p *Policy) *int { return &p.Power.WakeBeforeOpeningMinutes }),
}

// number is a whole-number key within lo..hi: minutes, seconds, counts
// or a percentage.
func number(key string, lo, hi int, get func(*Policy) *int) setting {
	return field[int]{key: key, get: get, parse: parseInt, valid: between(lo, hi)}
}

// The parser's index of the table, built in init because the table's parse
// functions reach knownKeys (for did-you-mean) and Go forbids that cycle in
// variable initialisers.
var (
	settingByKey = map[string]setting{}
	sectionKeys  = map[string][]string{} // section ("" for the top) → its key names
	knownKeys    []string
)

func init() {
	for _, s := range settings {
		settingByKey[s.name()] = s
		knownKeys = append(knownKeys, s.name())
		section, name := splitKey(s.name())
		if _, ok := sectionKeys[section]; !ok {
			sectionKeys[""] = append(sectionKeys[""], section)
		}
		sectionKeys[section] = append(sectionKeys[section], name)
	}
}
