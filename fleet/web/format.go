package web

import (
	"fmt"
	"math"
	"time"

	"piste/fleet/protocol"
	"piste/fleet/terminals"
)

// The formats below are mirrored in static/common.js, which redraws rows
// as live updates arrive; change both together.

// noValue stands in for a measurement a terminal has not reported yet.
const noValue = "—"

// StatusText is the words shown for a terminal status, so that a status
// never depends on colour alone.
func StatusText(status string) string {
	switch status {
	case terminals.StatusOnline:
		return "Online"
	case terminals.StatusOffline:
		return "Offline"
	case terminals.StatusInSession:
		return "In session"
	case terminals.StatusOutOfService:
		return "Out of service"
	}
	return status
}

// Percent formats a percentage as a whole number, like "42 %".
func Percent(v float64, known bool) string {
	if !known || math.IsNaN(v) || math.IsInf(v, 0) {
		return noValue
	}
	return fmt.Sprintf("%d %%", int(math.Round(v)))
}

// Uptime formats a duration in its two largest units, like "3 d 4 h".
func Uptime(seconds uint64, known bool) string {
	if !known {
		return noValue
	}
	const minute, hour, day = 60, 3600, 86400
	switch s := seconds; {
	case s >= day:
		return fmt.Sprintf("%d d %d h", s/day, s%day/hour)
	case s >= hour:
		return fmt.Sprintf("%d h %d min", s/hour, s%hour/minute)
	case s >= minute:
		return fmt.Sprintf("%d min", s/minute)
	default:
		return fmt.Sprintf("%d s", s)
	}
}

// Ago formats how long ago t was, like "12 s ago"; a zero t is "never".
func Ago(t, now time.Time) string {
	if t.IsZero() {
		return "never"
	}
	s := int64(now.Sub(t) / time.Second)
	switch {
	case s < 0:
		// Clocks of the agent and the fleet can disagree by a little.
		return "just now"
	case s < 60:
		return fmt.Sprintf("%d s ago", s)
	case s < 3600:
		return fmt.Sprintf("%d min ago", s/60)
	case s < 86400:
		return fmt.Sprintf("%d h ago", s/3600)
	default:
		return fmt.Sprintf("%d d ago", s/86400)
	}
}

// KindText names a terminal kind for people.
func KindText(kind string) string {
	switch protocol.TerminalKind(kind) {
	case protocol.KindPC:
		return "PC"
	case protocol.KindScreen:
		return "Info screen"
	}
	return kind
}
