package signage

import (
	"context"
	"fmt"
	"time"

	"piste/fleet/protocol"
	"piste/fleet/store"
	"piste/policies/policy"
)

// Policies gives a terminal's effective policy (the visits service does).
type Policies interface {
	Effective(ctx context.Context, t store.Terminal) (policy.Policy, error)
}

// Support says a branch's digital-support hours today and whether a
// volunteer is on duty now. hours is the branch's support schedule
// (policy.Policy.SupportHours: help.support, else the opening hours).
// DutySupport answers from the help domain's duty; PolicySupport from
// staff logins.
type Support interface {
	Support(ctx context.Context, branch string, hours policy.Hours, now time.Time) (SupportNow, error)
}

// SupportNow is a branch's digital support today.
type SupportNow struct {
	Hours           string // "HH:MM–HH:MM", "" when none today
	VolunteerOnDuty bool
}

// PolicySupport offers support while the branch is open, with a volunteer
// on duty while one of the branch's volunteers is logged in.
type PolicySupport struct{ Store *store.Store }

// Support implements Support.
func (p PolicySupport) Support(ctx context.Context, branch string, hours policy.Hours, now time.Time) (SupportNow, error) {
	today, _ := HoursOn(hours, now)
	n, err := p.Store.VolunteersOnDuty(ctx, branch, now)
	if err != nil {
		return SupportNow{}, err
	}
	out := SupportNow{VolunteerOnDuty: n > 0}
	if len(today) > 0 {
		out.Hours = today[0].Open.String() + "–" + today[len(today)-1].Close.String()
	}
	return out, nil
}

// DutySupport offers support in the branch's support hours, with a
// volunteer on duty while one has marked themselves on duty in the help
// domain (the help page's duty switch).
type DutySupport struct{ Store *store.Store }

// Support implements Support.
func (d DutySupport) Support(ctx context.Context, branch string, hours policy.Hours, now time.Time) (SupportNow, error) {
	spans, err := d.Store.OnDuty(ctx, branch)
	if err != nil {
		return SupportNow{}, fmt.Errorf("signage: volunteers on duty in %s: %w", branch, err)
	}
	out := SupportNow{VolunteerOnDuty: len(spans) > 0}
	if today, _ := HoursOn(hours, now); len(today) > 0 {
		out.Hours = today[0].Open.String() + "–" + today[len(today)-1].Close.String()
	}
	return out, nil
}

// HoursOn returns a branch's opening hours on the local date of now, and
// the note of the exception that replaces the weekly hours, if one does.
func HoursOn(h policy.Hours, now time.Time) (policy.DayHours, string) {
	if loc, err := time.LoadLocation(h.Timezone); h.Timezone != "" && err == nil {
		now = now.In(loc)
	}
	date := now.Format(time.DateOnly)
	for _, e := range h.Exceptions {
		if e.Date.String() == date {
			note := e.Note
			if note == "" {
				note = "exception"
			}
			return e.Hours, note
		}
	}
	if len(h.Weekly) == 0 {
		return policy.DayHours{{Open: 0, Close: 24 * 60}}, ""
	}
	return h.Weekly[policy.DayOf(now.Weekday())], ""
}

// Live fills live slides from what the fleet knows.
type Live struct {
	Store    *store.Store
	Policies Policies
	Support  Support
	// Online reports whether a terminal's link is up.
	Online func(id string) bool
	Now    func() time.Time
}

// Data returns the live data of a branch; screen is any terminal of it,
// whose policy gives the hours.
func (l *Live) Data(ctx context.Context, screen store.Terminal) (protocol.LiveData, error) {
	now := l.Now()
	d := protocol.LiveData{At: now.UTC()}
	pcs, err := l.Store.PCStates(ctx, screen.Branch)
	if err != nil {
		return d, err
	}
	busy := map[string]bool{}
	for _, t := range pcs {
		d.TotalComputers++
		if l.Online(t.ID) && protocol.TerminalState(t.State) == protocol.StateIdle {
			d.FreeComputers++
		} else {
			busy[t.ID] = true
		}
	}
	if d.FreeComputers == 0 && d.TotalComputers > 0 {
		sessions, err := l.Store.ActiveSessions(ctx, screen.Branch, now)
		if err != nil {
			return d, err
		}
		for _, s := range sessions { // soonest end first
			if busy[s.TerminalID] {
				at := s.EndsAt.UTC()
				d.NextFreeAt = &at
				break
			}
		}
	}
	if l.Policies == nil {
		return d, nil
	}
	pol, err := l.Policies.Effective(ctx, screen)
	if err != nil {
		return d, fmt.Errorf("signage: policy of %s: %w", screen.ID, err)
	}
	today, exception := HoursOn(pol.Hours, now)
	d.Exception = exception
	if len(today) == 0 {
		d.Closed = true
	} else {
		d.Open, d.Close = today[0].Open.String(), today[len(today)-1].Close.String()
	}
	if l.Support != nil {
		sup, err := l.Support.Support(ctx, screen.Branch, pol.SupportHours(), now)
		if err != nil {
			return d, err
		}
		d.SupportHours, d.VolunteerOnDuty = sup.Hours, sup.VolunteerOnDuty
	}
	return d, nil
}
