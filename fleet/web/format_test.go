package web

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestPercent(t *testing.T) {
	cases := []struct {
		name  string
		v     float64
		known bool
		want  string
	}{
		{"rounds down", 12.4, true, "12 %"},
		{"rounds up", 77.5, true, "78 %"},
		{"zero", 0, true, "0 %"},
		{"unknown", 50, false, "—"},
		{"not a number", math.NaN(), true, "—"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, Percent(tc.v, tc.known))
		})
	}
}

func TestUptime(t *testing.T) {
	cases := []struct {
		secs uint64
		want string
	}{
		{0, "0 s"},
		{59, "59 s"},
		{60, "1 min"},
		{3599, "59 min"},
		{3600, "1 h 0 min"},
		{4*3600 + 12*60 + 5, "4 h 12 min"},
		{3*86400 + 4*3600 + 59, "3 d 4 h"},
	}
	for _, tc := range cases {
		t.Run(tc.want, func(t *testing.T) {
			assert.Equal(t, tc.want, Uptime(tc.secs, true))
		})
	}
	assert.Equal(t, "—", Uptime(100, false))
}

func TestAgo(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		name string
		t    time.Time
		want string
	}{
		{"never", time.Time{}, "never"},
		{"future by clock skew", now.Add(3 * time.Second), "just now"},
		{"seconds", now.Add(-12 * time.Second), "12 s ago"},
		{"minutes", now.Add(-5*time.Minute - 30*time.Second), "5 min ago"},
		{"hours", now.Add(-3 * time.Hour), "3 h ago"},
		{"days", now.Add(-50 * time.Hour), "2 d ago"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, Ago(tc.t, now))
		})
	}
}

func TestStatusTextCoversEveryStatus(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range Statuses {
		text := StatusText(s)
		assert.NotEqual(t, s, text, "status %s needs words", s)
		assert.False(t, seen[text], "two statuses share the words %q", text)
		seen[text] = true
	}
}
