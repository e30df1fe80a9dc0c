package help

import (
	"context"
	"fmt"
	"slices"
	"time"

	"piste/fleet/fault"
	"piste/fleet/protocol"
	"piste/fleet/staff"
	"piste/fleet/store"
)

// SuppressBelow is the smallest count the anonymous export shows: a
// smaller one could single out a person, so it is left out.
const SuppressBelow = 5

// Row is one branch's requests of one topic and language on one day (in
// the branch's time zone).
type Row struct {
	Branch    string         `json:"branch"`
	Day       string         `json:"day"`
	Topic     string         `json:"topic"`
	Language  string         `json:"language"`
	Requests  int            `json:"requests"`
	Helped    int            `json:"helped"`   // resolved as solved, partly or referred
	Answered  int            `json:"answered"` // claimed by a volunteer at all
	Cancelled int            `json:"cancelled"`
	Expired   int            `json:"expired"`
	Outcomes  map[string]int `json:"outcomes"`
	WaitP50   int            `json:"wait_p50_seconds"`
	WaitP90   int            `json:"wait_p90_seconds"`
	Handling  int            `json:"handling_p50_seconds"`

	waits, handling []time.Duration
}

// DutyDay is the volunteer time on duty at a branch on one day.
type DutyDay struct {
	Branch string  `json:"branch"`
	Day    string  `json:"day"`
	Hours  float64 `json:"volunteer_hours"`
}

// Totals sums a period over the branches a member sees.
type Totals struct {
	Requests       int     `json:"requests"`
	Helped         int     `json:"helped"`
	ShareAnswered  float64 `json:"share_answered"`
	WaitP50        int     `json:"wait_p50_seconds"`
	WaitP90        int     `json:"wait_p90_seconds"`
	Handling       int     `json:"handling_p50_seconds"`
	VolunteerHours float64 `json:"volunteer_hours"`
	Branches       int     `json:"branches_giving_support"` // branches that helped at least one person
	// NewTopics are the topics people were helped with in the period and
	// not in the period of the same length before it: new services.
	NewTopics  []string       `json:"new_topics"`
	ByTopic    map[string]int `json:"by_topic"`
	ByLanguage map[string]int `json:"by_language"`
	ByOutcome  map[string]int `json:"by_outcome"`
	ByBranch   map[string]int `json:"by_branch"`
}

// Stats are a period's figures.
type Stats struct {
	From   string    `json:"from"`
	To     string    `json:"to"` // inclusive
	Rows   []Row     `json:"rows"`
	Duty   []DutyDay `json:"duty"`
	Totals Totals    `json:"totals"`
}

// Period parses from and to (YYYY-MM-DD, to inclusive); empty from is 29
// days before to, empty to is today (UTC).
func Period(from, to string, now time.Time) (time.Time, time.Time, error) {
	end := now.UTC().Truncate(24 * time.Hour)
	if to != "" {
		t, err := time.Parse(time.DateOnly, to)
		if err != nil {
			return time.Time{}, time.Time{}, fault.Field("to", "to must be a date like 2026-12-01, got %q", to)
		}
		end = t
	}
	start := end.AddDate(0, 0, -29)
	if from != "" {
		t, err := time.Parse(time.DateOnly, from)
		if err != nil {
			return time.Time{}, time.Time{}, fault.Field("from", "from must be a date like 2026-11-01, got %q", from)
		}
		start = t
	}
	if start.After(end) || end.Sub(start) > 366*24*time.Hour {
		return time.Time{}, time.Time{}, fault.Field("from", "from must be on or before to, at most a year apart")
	}
	return start, end, nil
}

// Stats computes the figures of [from, to] (days, to inclusive) for the
// branches m sees. Only admins read statistics.
func (s *Service) Stats(ctx context.Context, m staff.Member, from, to time.Time) (Stats, error) {
	if err := m.Need(staff.RoleAdmin); err != nil {
		return Stats{}, err
	}
	// A day longer on each side catches every branch's local day.
	lo, hi := from.Add(-24*time.Hour), to.Add(48*time.Hour)
	reqs, err := s.Store.HelpRequestsSince(ctx, lo, hi)
	if err != nil {
		return Stats{}, err
	}
	zones, err := s.zones(ctx)
	if err != nil {
		return Stats{}, err
	}
	first, last := from.Format(time.DateOnly), to.Format(time.DateOnly)
	in := func(branch string, t time.Time) (string, bool) {
		day := t.In(zones.of(branch)).Format(time.DateOnly)
		return day, m.CanSee(branch) && day >= first && day <= last
	}
	rows := map[[4]string]*Row{}
	for _, r := range reqs {
		day, ok := in(r.Branch, r.CreatedAt)
		if !ok {
			continue
		}
		topic := topicOf(r)
		k := [4]string{r.Branch, day, topic, r.Language}
		row := rows[k]
		if row == nil {
			row = &Row{Branch: r.Branch, Day: day, Topic: topic, Language: r.Language, Outcomes: map[string]int{}}
			rows[k] = row
		}
		count(row, r)
	}
	st := Stats{From: first, To: last, Rows: []Row{}, Duty: []DutyDay{}}
	for _, row := range rows {
		row.WaitP50 = secs(Percentile(row.waits, 50))
		row.WaitP90 = secs(Percentile(row.waits, 90))
		row.Handling = secs(Percentile(row.handling, 50))
		st.Rows = append(st.Rows, *row)
	}
	slices.SortFunc(st.Rows, func(a, b Row) int {
		return cmpKeys([]string{a.Day, a.Branch, a.Topic, a.Language}, []string{b.Day, b.Branch, b.Topic, b.Language})
	})
	if st.Duty, err = s.duty(ctx, m, zones, lo, hi, first, last); err != nil {
		return Stats{}, err
	}
	st.Totals = totals(rows, st.Duty)
	if st.Totals.NewTopics, err = s.newTopics(ctx, m, rows, from, to); err != nil {
		return Stats{}, err
	}
	return st, nil
}

// newTopics lists the topics helped with in the rows that nobody was
// helped with in the period of the same length just before from.
func (s *Service) newTopics(ctx context.Context, m staff.Member, rows map[[4]string]*Row, from, to time.Time) ([]string, error) {
	start := from.UTC().Truncate(24 * time.Hour)
	days := int(to.Sub(start)/(24*time.Hour)) + 1
	before, err := s.Store.HelpRequestsSince(ctx, start.AddDate(0, 0, -days), start)
	if err != nil {
		return nil, err
	}
	old := map[string]bool{}
	for _, r := range before {
		if m.CanSee(r.Branch) && r.Status == string(protocol.HelpResolved) && r.Outcome != string(protocol.OutcomeNotSolved) {
			old[topicOf(r)] = true
		}
	}
	out := []string{}
	for _, r := range rows {
		if r.Helped > 0 && !old[r.Topic] && !slices.Contains(out, r.Topic) {
			out = append(out, r.Topic)
		}
	}
	slices.Sort(out)
	return out, nil
}

// topicOf is the topic a request counts under: the volunteer's
// correction when there is one.
func topicOf(r store.HelpRequest) string {
	if r.FinalTopic != "" {
		return r.FinalTopic
	}
	return r.Topic
}

func count(row *Row, r store.HelpRequest) {
	row.Requests++
	switch protocol.HelpStatus(r.Status) {
	case protocol.HelpResolved:
		row.Outcomes[r.Outcome]++
		if r.Outcome != string(protocol.OutcomeNotSolved) {
			row.Helped++
		}
		if !r.ClaimedAt.IsZero() {
			row.handling = append(row.handling, r.ClosedAt.Sub(r.ClaimedAt))
		}
	case protocol.HelpCancelled:
		row.Cancelled++
	case protocol.HelpExpired:
		row.Expired++
	}
	if !r.FirstClaimedAt.IsZero() {
		row.Answered++
		row.waits = append(row.waits, r.FirstClaimedAt.Sub(r.CreatedAt))
	}
}

func totals(rows map[[4]string]*Row, duty []DutyDay) Totals {
	t := Totals{ByTopic: map[string]int{}, ByLanguage: map[string]int{}, ByOutcome: map[string]int{}, ByBranch: map[string]int{}}
	var waits, handling []time.Duration
	answered := 0
	helpedIn := map[string]bool{}
	for _, r := range rows {
		t.Requests += r.Requests
		t.Helped += r.Helped
		answered += r.Answered
		t.ByTopic[r.Topic] += r.Requests
		t.ByLanguage[r.Language] += r.Requests
		t.ByBranch[r.Branch] += r.Requests
		for o, n := range r.Outcomes {
			t.ByOutcome[o] += n
		}
		if r.Helped > 0 {
			helpedIn[r.Branch] = true
		}
		waits = append(waits, r.waits...)
		handling = append(handling, r.handling...)
	}
	if t.Requests > 0 {
		t.ShareAnswered = float64(answered) / float64(t.Requests)
	}
	t.WaitP50, t.WaitP90 = secs(Percentile(waits, 50)), secs(Percentile(waits, 90))
	t.Handling = secs(Percentile(handling, 50))
	t.Branches = len(helpedIn)
	for _, d := range duty {
		t.VolunteerHours += d.Hours
	}
	return t
}

// duty splits the duty spans m may see into branch days.
func (s *Service) duty(ctx context.Context, m staff.Member, zones zoneMap, lo, hi time.Time, first, last string) ([]DutyDay, error) {
	spans, err := s.Store.DutySpans(ctx, "", lo, hi)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	byDay := map[[2]string]time.Duration{}
	for _, sp := range spans {
		if !m.CanSee(sp.Branch) {
			continue
		}
		end := sp.End
		if end.IsZero() {
			end = now
		}
		loc := zones.of(sp.Branch)
		for t := sp.Start; t.Before(end); {
			local := t.In(loc)
			next := time.Date(local.Year(), local.Month(), local.Day()+1, 0, 0, 0, 0, loc)
			stop := next
			if end.Before(next) {
				stop = end
			}
			if day := local.Format(time.DateOnly); day >= first && day <= last {
				byDay[[2]string{sp.Branch, day}] += stop.Sub(t)
			}
			t = stop
		}
	}
	out := []DutyDay{}
	for k, d := range byDay {
		out = append(out, DutyDay{Branch: k[0], Day: k[1], Hours: float64(d.Round(time.Minute)) / float64(time.Hour)})
	}
	slices.SortFunc(out, func(a, b DutyDay) int { return cmpKeys([]string{a.Day, a.Branch}, []string{b.Day, b.Branch}) })
	return out, nil
}

type zoneMap map[string]*time.Location

func (z zoneMap) of(branch string) *time.Location {
	if l := z[branch]; l != nil {
		return l
	}
	return time.UTC
}

func (s *Service) zones(ctx context.Context) (zoneMap, error) {
	bs, err := s.Store.Branches(ctx)
	if err != nil {
		return nil, fmt.Errorf("help: list branches: %w", err)
	}
	z := zoneMap{}
	for _, b := range bs {
		if loc, err := time.LoadLocation(b.TZ); err == nil {
			z[b.ID] = loc
		}
	}
	return z, nil
}

func secs(d time.Duration) int { return int(d.Round(time.Second) / time.Second) }

func cmpKeys(a, b []string) int {
	for i := range a {
		if a[i] != b[i] {
			if a[i] < b[i] {
				return -1
			}
			return 1
		}
	}
	return 0
}
