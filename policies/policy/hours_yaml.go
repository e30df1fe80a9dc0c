package policy

import (
	"errors"
	"fmt"

	"gopkg.in/yaml.v3"
)

// This file reads the hours section's structured values from YAML.

func dayNames() []string {
	names := make([]string, len(Days))
	for i, d := range Days {
		names[i] = string(d)
	}
	return names
}

func parseWeekly(n *yaml.Node, key string) (Weekly, error) {
	if deref(n).Kind != yaml.MappingNode {
		return nil, errorf(key, deref(n).Line, "must be a mapping of days to hours, like mon: \"09:00-20:00\", got %s", describe(deref(n)))
	}
	pairs, errs := entries(n, key, dayNames())
	w := Weekly{}
	for _, e := range pairs {
		h, err := parseDayHoursNode(e.value, e.path)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		w[Day(e.name)] = h
	}
	return w, errors.Join(errs...)
}

func parseDayHoursNode(n *yaml.Node, key string) (DayHours, error) {
	s, err := parseString(n, key)
	if err != nil {
		return nil, err
	}
	h, err := ParseDayHours(s)
	if err != nil {
		return nil, errorf(key, deref(n).Line, "%q: %v", s, err)
	}
	return h, nil
}

var exceptionKeys = []string{"date", "hours", "note"}

func parseExceptions(n *yaml.Node, key string) ([]Exception, error) {
	n = deref(n)
	if n.Kind != yaml.SequenceNode {
		return nil, errorf(key, n.Line, "must be a list of dates, like - {date: 2026-12-24, hours: closed}, got %s", describe(n))
	}
	out := make([]Exception, 0, len(n.Content))
	var errs []error
	firstLine := map[Date]int{}
	for i, item := range n.Content {
		itemKey := fmt.Sprintf("%s[%d]", key, i)
		e, err := parseException(item, itemKey)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		line := deref(item).Line
		if first, dup := firstLine[e.Date]; dup {
			errs = append(errs, errorf(itemKey+".date", line, "repeats %s (first on line %d); give each date once", e.Date, first))
			continue
		}
		firstLine[e.Date] = line
		out = append(out, e)
	}
	return out, errors.Join(errs...)
}

func parseException(n *yaml.Node, key string) (Exception, error) {
	if deref(n).Kind != yaml.MappingNode {
		return Exception{}, errorf(key, deref(n).Line, "must be a mapping with date, hours and an optional note, got %s", describe(deref(n)))
	}
	pairs, errs := entries(n, key, exceptionKeys)
	var e Exception
	var hasDate, hasHours bool
	for _, p := range pairs {
		var err error
		switch p.name {
		case "date":
			e.Date, err = parseDateNode(p.value, p.path)
			hasDate = err == nil
		case "hours":
			e.Hours, err = parseDayHoursNode(p.value, p.path)
			hasHours = err == nil
		case "note":
			e.Note, err = parseString(p.value, p.path)
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return Exception{}, errors.Join(errs...)
	}
	if !hasDate || !hasHours {
		return Exception{}, errorf(key, deref(n).Line, "needs both date and hours, like {date: 2026-12-24, hours: closed}")
	}
	return e, nil
}

// parseDateNode accepts a date quoted or not: YAML reads an unquoted
// 2026-12-24 as a timestamp, which is what an admin means.
func parseDateNode(n *yaml.Node, key string) (Date, error) {
	n, err := scalarOf(n, key, "a date like 2026-12-24", "!!str", "!!timestamp")
	if err != nil {
		return Date{}, err
	}
	d, err := ParseDate(n.Value)
	if err != nil {
		return Date{}, errorf(key, n.Line, "must be a date like 2026-12-24, got %q", n.Value)
	}
	return d, nil
}
