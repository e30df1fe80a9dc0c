package wipe

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRequestValidate(t *testing.T) {
	ok := Request{Trigger: TriggerTimeout, User: "piste-visitor", Skeleton: "/etc/skel", ExtraPaths: []string{"/var/spool/x"}}
	cases := []struct {
		name string
		mod  func(*Request)
		home string
		want string // part of the error, "" for none
	}{
		{"valid", func(*Request) {}, "/home/piste-visitor", ""},
		{"no user", func(r *Request) { r.User = "" }, "/home/v", "no user"},
		{"user with a slash", func(r *Request) { r.User = "../etc" }, "/home/v", "plain account name"},
		{"relative home", func(*Request) {}, "home/v", "home"},
		{"root home", func(*Request) {}, "/", "home"},
		{"unclean home", func(*Request) {}, "/home/../etc", "home"},
		{"no skeleton", func(r *Request) { r.Skeleton = "" }, "/home/v", "skeleton"},
		{"skeleton in home", func(r *Request) { r.Skeleton = "/home/v/skel" }, "/home/v", "overlap"},
		{"home in skeleton", func(r *Request) { r.Skeleton = "/home" }, "/home/v", "overlap"},
		{"sibling with common prefix", func(r *Request) { r.Skeleton = "/home/v-skel" }, "/home/v", ""},
		{"relative extra path", func(r *Request) { r.ExtraPaths = []string{"tmp"} }, "/home/v", "extra path"},
		{"mode bits", func(r *Request) { r.HomeMode = 0o10000 }, "/home/v", "mode"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := ok
			tc.mod(&r)
			err := r.validate(tc.home)
			if tc.want == "" {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestCheckTrigger(t *testing.T) {
	for _, tr := range Triggers {
		assert.NoError(t, Request{Trigger: tr}.checkTrigger())
	}
	assert.Error(t, Request{Trigger: "coffee"}.checkTrigger())
	assert.Error(t, Request{}.checkTrigger())
}

func TestRequestDefaults(t *testing.T) {
	assert.Equal(t, DefaultGrace, Request{}.grace())
	assert.Equal(t, time.Second, Request{Grace: time.Second}.grace())
	assert.Equal(t, uint32(DefaultHomeMode), Request{}.homeMode())
	assert.Equal(t, uint32(0o750), Request{HomeMode: 0o750}.homeMode())
	o := Options{}.withDefaults()
	assert.Equal(t, DefaultStateDir, o.StateDir)
	assert.NotZero(t, o.KillTimeout)
}

func TestChooseStrategy(t *testing.T) {
	all := []Strategy{StrategyOverlay, StrategyTmpfs, StrategyFiles}
	cases := []struct {
		forced Strategy
		usable []Strategy
		want   Strategy
		err    bool
	}{
		{"", all, StrategyOverlay, false},
		{"", []Strategy{StrategyFiles}, StrategyFiles, false},
		{StrategyTmpfs, all, StrategyTmpfs, false},
		{StrategyOverlay, []Strategy{StrategyFiles}, "", true},
		{"nfs", all, "", true},
		{"", nil, "", true},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%q of %v", tc.forced, tc.usable), func(t *testing.T) {
			got, err := chooseStrategy(tc.forced, tc.usable)
			assert.Equal(t, tc.want, got)
			assert.Equal(t, tc.err, err != nil, "error: %v", err)
		})
	}
}

func TestRecorder(t *testing.T) {
	start := time.Date(2026, 3, 1, 20, 0, 0, 0, time.UTC)
	req := Request{SessionID: "s-9", Trigger: TriggerClosing, User: "v"}

	rc := newRecorder(req, start)
	rc.ran(StepProcesses)
	rc.skipped(StepPrint, "CUPS not installed")
	rc.removed(3, 300)
	rc.removed(1, 1)
	rc.ended(2)
	rc.setStrategy(StrategyTmpfs)
	r := rc.finish(true, start.Add(1500*time.Millisecond))
	assert.True(t, r.Verified)
	assert.Equal(t, int64(4), r.FilesRemoved)
	assert.Equal(t, int64(301), r.BytesRemoved)
	assert.Equal(t, 1500*time.Millisecond, r.Duration)
	assert.Equal(t, []string{"print: CUPS not installed"}, r.StepsSkipped)

	rc = newRecorder(req, start)
	rc.fail(StepHome, "/home/v/x", errors.New("unlink: permission denied"))
	assert.False(t, rc.finish(true, start).Verified, "a failure overrides a passing check")

	rc = newRecorder(req, start)
	for range maxFailures + 5 {
		rc.fail(StepTemp, "p", errors.New("e"))
	}
	r = rc.finish(false, start)
	assert.Len(t, r.Failures, maxFailures+1)
	assert.Equal(t, "5 more failures not listed", r.Failures[maxFailures].Error)
}

func TestReceiptJSON(t *testing.T) {
	start := time.Date(2026, 3, 1, 20, 0, 0, 0, time.UTC)
	rc := newRecorder(Request{SessionID: "s-1", Trigger: TriggerIdle, User: "v"}, start)
	rc.fail(StepHome, "/home/v/bad\nname", errors.New("unlink: operation not permitted"))
	b, err := json.Marshal(rc.finish(false, start.Add(time.Second)))
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	for _, key := range []string{"session_id", "trigger", "user", "started_at", "ended_at", "duration_ns", "files_removed", "bytes_removed", "processes_ended", "verified", "failures", "steps_run"} {
		assert.Contains(t, m, key)
	}
	assert.Equal(t, "idle", m["trigger"])
	assert.Equal(t, `home: "/home/v/bad\nname": unlink: operation not permitted`, Failure{Step: StepHome, Path: "/home/v/bad\nname", Error: "unlink: operation not permitted"}.String())
}
