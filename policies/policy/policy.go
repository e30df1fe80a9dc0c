// Package policy parses, merges and validates Piste policies: the
// declarative rules a public terminal runs under (session limits, opening
// hours, what a wipe clears, accessibility defaults, offline behaviour).
//
// Policies are YAML layers. The shipped defaults come first, then the
// fleet's layer, a branch's, a group's and a terminal's; each later layer
// overrides only the keys it sets. The fleet resolves the layers into one
// Policy and sends it to the agent as JSON; the agent keeps the last one to
// run offline.
package policy

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"

	"piste/policies"
)

// Policy is a fully resolved policy: every key has a value.
type Policy struct {
	Session       Session       `json:"session"`
	Wipe          Wipe          `json:"wipe"`
	Accessibility Accessibility `json:"accessibility"`
	Hours         Hours         `json:"hours"`
	Help          Help          `json:"help"`
	Library       Library       `json:"library"`
	Alerts        Alerts        `json:"alerts"`
	Power         Power         `json:"power"`
}

// Power is the terminal's power schedule: off after closing, on again
// before opening (woken over the branch network by a neighbour).
type Power struct {
	Enabled                     bool `json:"enabled"`
	ShutdownAfterClosingMinutes int  `json:"shutdown_after_closing_minutes"`
	WakeBeforeOpeningMinutes    int  `json:"wake_before_opening_minutes"`
}

// Library is how the visitor screens name the library: "Kallion kirjasto".
// Empty: the screens say "the library".
type Library struct {
	Name string `json:"name"`
}

// Help holds the digital-support rules of a branch: which topics a
// visitor may ask help with, when volunteers give support, and how long a
// request from the welcome screen waits.
type Help struct {
	Topics []string `json:"topics"`
	// Support is the weekly support schedule, in hours.timezone; empty
	// means whenever the branch is open.
	Support               Weekly `json:"support"`
	WelcomeTimeoutMinutes int    `json:"welcome_timeout_minutes"`
}

// SupportHours is the branch's support schedule as Hours: help.support
// when set, else the opening hours.
func (p Policy) SupportHours() Hours {
	if len(p.Help.Support) == 0 {
		return p.Hours
	}
	return Hours{Timezone: p.Hours.Timezone, Weekly: p.Help.Support}
}

// Session holds the rules for visitor sessions. Durations are in minutes.
type Session struct {
	KioskUser               string      `json:"kiosk_user"`
	MaxMinutes              int         `json:"max_minutes"`
	DailyMinutes            int         `json:"daily_minutes"`
	IdleLogoutMinutes       int         `json:"idle_logout_minutes"`
	WarnMinutes             []int       `json:"warn_minutes"`
	ExtendMinutes           int         `json:"extend_minutes"`
	MaxExtensions           int         `json:"max_extensions"`
	Offline                 OfflineMode `json:"offline"`
	WalkupMinutes           int         `json:"walkup_minutes"`
	ReservationHoldMinutes  int         `json:"reservation_hold_minutes"`
	PINAttempts             int         `json:"pin_attempts"`
	PINLockoutMinutes       int         `json:"pin_lockout_minutes"`
	FeeLimit                Money       `json:"fee_limit"`
	EndBeforeClosingMinutes int         `json:"end_before_closing_minutes"`
}

// Alerts holds when the fleet tells admins about a terminal. The agent
// ignores it; the fleet reads it per terminal.
type Alerts struct {
	OfflineMinutes   int  `json:"offline_minutes"`
	DiskPercent      int  `json:"disk_percent"`
	VersionBehind    bool `json:"version_behind"`
	ClockSkewSeconds int  `json:"clock_skew_seconds"`
}

// OfflineMode is what a terminal does for a visitor while it cannot reach
// the fleet (and so cannot check a library card).
type OfflineMode string

// The offline modes.
const (
	OfflineAllowWalkup OfflineMode = "allow_walkup" // an anonymous session of walkup_minutes
	OfflineDeny        OfflineMode = "deny"         // no sessions until the link returns
)

// Wipe holds what the privacy wipe between visitors resets.
type Wipe struct {
	Skeleton     string   `json:"skeleton"`
	ExtraPaths   []string `json:"extra_paths"`
	GraceSeconds int      `json:"grace_seconds"`
}

// Accessibility holds the settings each session starts with.
type Accessibility struct {
	DefaultLanguage Language `json:"default_language"`
	TextScale       int      `json:"text_scale"`
	HighContrast    bool     `json:"high_contrast"`
}

// Language is a language the visitor screens speak.
type Language string

// The languages of the visitor screens.
const (
	Finnish Language = "fi"
	Swedish Language = "sv"
	English Language = "en"
)

// defaults is the shipped default.yaml resolved; it panics at first use if
// that file is broken, which the package's tests rule out.
var defaults = sync.OnceValue(func() Policy {
	l, err := Parse(policies.DefaultYAML)
	if err != nil {
		panic(fmt.Sprintf("policy: shipped default.yaml: %v", err))
	}
	var p Policy
	l.applyTo(&p)
	if err := p.Validate(); err != nil {
		panic(fmt.Sprintf("policy: shipped default.yaml: %v", err))
	}
	return p
})

// Defaults returns the shipped default policy.
func Defaults() Policy {
	return defaults().clone()
}

// Merge resolves layers, broadest first (fleet, branch, group, terminal),
// over the shipped defaults. Each layer overrides only the keys it sets; see
// the README for the keys that combine instead (wipe.extra_paths,
// hours.weekly, hours.exceptions). The result is not validated: use Resolve
// or Validate.
func Merge(layers ...Layer) Policy {
	p := Defaults()
	for _, l := range layers {
		l.applyTo(&p)
	}
	return p
}

// Resolve merges layers as Merge does and validates the result.
func Resolve(layers ...Layer) (Policy, error) {
	p := Merge(layers...)
	return p, p.Validate()
}

// Validate checks every key's range and the rules between keys, returning
// all problems joined, each an *Error naming its key.
func (p Policy) Validate() error {
	var errs []error
	for _, s := range settings {
		if err := s.check(&p); err != nil {
			errs = append(errs, err)
		}
	}
	errs = append(errs, crossChecks(p)...)
	return errors.Join(errs...)
}

// DecodeJSON reads a policy the fleet sent and validates it. Keys missing
// from the JSON (sent by an older fleet) keep their default; keys this
// version does not know (from a newer fleet) are ignored, so the agent can
// still apply the rest.
func DecodeJSON(data []byte) (Policy, error) {
	p := Defaults()
	if err := json.Unmarshal(data, &p); err != nil {
		return Policy{}, fmt.Errorf("policy: decode JSON: %w", err)
	}
	if err := p.Validate(); err != nil {
		return Policy{}, err
	}
	return p, nil
}

// clone returns a copy of p that shares no slices or maps with it.
func (p Policy) clone() Policy {
	c := p
	c.Session.WarnMinutes = slices.Clone(p.Session.WarnMinutes)
	c.Wipe.ExtraPaths = slices.Clone(p.Wipe.ExtraPaths)
	c.Hours.Weekly = cloneWeekly(p.Hours.Weekly)
	c.Hours.Exceptions = cloneExceptions(p.Hours.Exceptions)
	c.Help.Topics = slices.Clone(p.Help.Topics)
	c.Help.Support = cloneWeekly(p.Help.Support)
	return c
}

func cloneWeekly(w Weekly) Weekly {
	if w == nil {
		return nil
	}
	c := maps.Clone(w)
	for d, h := range c {
		c[d] = slices.Clone(h)
	}
	return c
}

func cloneExceptions(list []Exception) []Exception {
	c := slices.Clone(list)
	for i := range c {
		c[i].Hours = slices.Clone(c[i].Hours)
	}
	return c
}
