package server

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"piste/fleet/protocol"
	"piste/fleet/store"
)

func TestRefusedLoginsAreCountedWithoutTheCard(t *testing.T) {
	lib := sip2Library(t)
	f, clock := visitFleet(t, lib.Addr())
	_, token := f.enroll("kallio")
	status, _, ref := f.cardLogin(token, "20000002", "9999")
	require.Equal(t, 409, status)
	require.Equal(t, protocol.RefusalWrongCardOrPIN, ref.Refusal.Code)
	status, _, _ = f.cardLogin(token, "20000004", "1234")
	require.Equal(t, 409, status)

	loc, err := time.LoadLocation("Europe/Helsinki")
	require.NoError(t, err)
	day := time.Unix(0, clock.Load()).In(loc).Format(time.DateOnly)
	stats, err := f.srv.Store.DailyStats(context.Background(), "kallio", day, day)
	require.NoError(t, err)
	assert.Equal(t, []store.DailyStat{
		{Branch: "kallio", Day: day, Metric: store.StatRefusals, Key: string(protocol.RefusalBlocked), N: 1},
		{Branch: "kallio", Day: day, Metric: store.StatRefusals, Key: string(protocol.RefusalWrongCardOrPIN), N: 1},
	}, stats)
}

func TestRunningFleetPrunesOldData(t *testing.T) {
	f := newTestFleetWith(t, func(c *Config) { c.Retention.Interval = 20 * time.Millisecond }, nil)
	ctx := context.Background()
	old := time.Now().AddDate(-2, 0, 0)
	require.NoError(t, f.srv.Store.Audit(ctx, store.AuditEntry{At: old, Actor: "cli", Action: "ancient", Target: "x"}))
	require.Eventually(t, func() bool {
		log, err := f.srv.Store.AuditLog(ctx, 100)
		if err != nil {
			return false
		}
		for _, e := range log {
			if e.Action == "ancient" {
				return false
			}
		}
		return true
	}, 10*time.Second, 20*time.Millisecond, "an audit entry older than a year is pruned by the running fleet")
}
