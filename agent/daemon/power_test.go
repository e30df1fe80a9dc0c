package daemon

import (
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"piste/agent/config"
	"piste/fleet/protocol"
	"piste/policies/policy"
)

func TestShutdownPlan(t *testing.T) {
	l, err := policy.Parse([]byte("hours:\n  timezone: UTC\n  weekly:\n    tue: \"09:00-20:00\"\n" +
		"power:\n  enabled: true\n  shutdown_after_closing_minutes: 15\n"))
	require.NoError(t, err)
	p, err := policy.Resolve(l)
	require.NoError(t, err)
	day := func(h, m int) time.Time { return time.Date(2026, 12, 1, h, m, 0, 0, time.UTC) } // a Tuesday

	var plan shutdownPlan
	assert.False(t, plan.step(day(19, 0), p, false), "open")
	assert.False(t, plan.step(day(20, 5), p, false), "closed, but not for 15 minutes yet")
	assert.False(t, plan.step(day(20, 16), p, true), "a session still runs: wait for it")
	assert.True(t, plan.step(day(20, 17), p, false), "closed for 15 minutes, no one on it")
	assert.False(t, plan.step(day(20, 18), p, false), "once")

	var late shutdownPlan
	assert.False(t, late.step(day(21, 0), p, false), "started well after closing (woken by hand): stays on")
	assert.False(t, late.step(day(21, 30), p, false))

	var restarted shutdownPlan
	assert.False(t, restarted.step(day(20, 5), p, false), "restarted within the wait after closing")
	assert.True(t, restarted.step(day(20, 15), p, false), "keeps the shutdown at closing + 15 min")

	off := p
	off.Power.Enabled = false
	var none shutdownPlan
	none.step(day(19, 0), off, false)
	assert.False(t, none.step(day(20, 30), off, false), "no schedule")
}

func TestWakeSendsMagicPacketsToTheConfiguredAddress(t *testing.T) {
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	require.NoError(t, err)
	defer pc.Close()
	local := config.Default()
	local.WakeBroadcast = []string{pc.LocalAddr().String()}
	d := &Daemon{local: local, log: discardLog()}

	require.NoError(t, d.wake("52:54:00:12:34:56"))
	buf := make([]byte, 512)
	require.NoError(t, pc.SetReadDeadline(time.Now().Add(5*time.Second)))
	n, _, err := pc.ReadFrom(buf)
	require.NoError(t, err)
	mac, _ := net.ParseMAC("52:54:00:12:34:56")
	assert.Equal(t, protocol.MagicPacket(mac), buf[:n])

	assert.Error(t, d.wake("not-a-mac"), "a malformed command sends nothing")
}

func discardLog() *slog.Logger { return slog.New(slog.DiscardHandler) }
