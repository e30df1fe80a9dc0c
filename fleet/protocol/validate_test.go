package protocol

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCheckData(t *testing.T) {
	tests := []struct {
		name, kind, data string
		wantErr          string // empty: valid
	}{
		{"health", EventHealth, `{"cpu_percent":1.5,"mem_used_percent":2,"disk_used_percent":3,"uptime_seconds":4,"agent_rss_bytes":5}`, ""},
		{"health from a newer agent", EventHealth, `{"cpu_percent":1,"battery_percent":80}`, ""},
		{"health a string", EventHealth, `"fine"`, "health data: json: cannot unmarshal string"},
		{"health missing", EventHealth, ``, "health event has no data"},
		{"health disk over 100", EventHealth, `{"disk_used_percent":100.5}`, "disk_used_percent must be from 0 to 100, got 100.5"},
		{"health memory negative", EventHealth, `{"mem_used_percent":-1}`, "mem_used_percent must be from 0 to 100, got -1"},
		{"state", EventState, `{"state":"out_of_service","reason":"locked"}`, ""},
		{"state empty", EventState, `{"reason":"x"}`, `state must be 1 to 64 characters, got ""`},
		{"command result", EventCommandResult, `{"command_id":"c-1","status":"done"}`, ""},
		{"command result unknown status", EventCommandResult, `{"command_id":"c-1","status":"ok"}`, `status must be done or failed, got "ok"`},
		{"session", EventSession, `{"session_id":"s","phase":"end","minutes_used":3}`, ""},
		{"session without phase", EventSession, `{"session_id":"s"}`, "phase must be 1 to 32 characters"},
		{"wipe", EventWipe, `{"session_id":"s","verified":false}`, ""},
		{"wipe unreadable", EventWipe, `{"verified":"yes"}`, "wipe data: json: cannot unmarshal"},
		{"test", EventTest, `[1,"two"]`, ""},
		{"unknown kind", "printer_jam", `"anything"`, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckData(Event{Epoch: "e", Seq: 1, Kind: tc.kind, At: time.Now(), Data: json.RawMessage(tc.data)})
			if tc.wantErr == "" {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.True(t, errors.Is(err, ErrInvalidData), "wraps ErrInvalidData: %v", err)
			assert.Contains(t, err.Error(), tc.wantErr)
		})
	}
}

// A long bad value is quoted only in part: the reason is stored and shown.
func TestCheckDataQuotesLittle(t *testing.T) {
	long := `{"command_id":"c","status":"` + strings.Repeat("x", 5000) + `"}`
	err := CheckData(Event{Kind: EventCommandResult, Data: json.RawMessage(long)})
	require.Error(t, err)
	assert.Less(t, len(err.Error()), 200)
}

// FuzzCheckData feeds any JSON to every kind's rules: they must answer,
// never panic.
func FuzzCheckData(f *testing.F) {
	f.Add(EventHealth, []byte(`{"cpu_percent":1e400}`))
	f.Add(EventSession, []byte(`{"session_id":"s","phase":"end"}`))
	f.Add(EventCommandResult, []byte(`null`))
	f.Fuzz(func(t *testing.T, kind string, data []byte) {
		if !json.Valid(data) {
			return // the envelope would not have decoded
		}
		err := CheckData(Event{Kind: kind, Data: data})
		if err != nil && !errors.Is(err, ErrInvalidData) {
			t.Fatalf("%s %q: error not marked invalid data: %v", kind, data, err)
		}
	})
}
