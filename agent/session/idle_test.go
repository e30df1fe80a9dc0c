package session

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"piste/agent/localapi"
	"piste/agent/wipe"
	"piste/policies/policy"
)

// step moves the fake clock by d and ticks once, as the daemon's ticker
// would after d; it waits for any wipe the tick started.
func (r *rig) step(d time.Duration) {
	r.clock.Advance(d)
	r.m.Tick()
	r.m.Wait()
}

// The idle warning comes IdleWarning before the idle end (here 10
// minutes), "I'm still here" takes it down and starts the idle clock
// again, and without an answer the session ends when the warning has
// shown for a minute.
func TestIdleWarningThenStillHereThenEnd(t *testing.T) {
	r := newRig(t, func(p *policy.Policy) { p.Session.IdleLogoutMinutes = 10 })
	require.NoError(t, r.login("20000001"))
	start := r.clock.Now()

	r.step(9*time.Minute - time.Second)
	require.NotNil(t, r.st().Session)
	assert.Nil(t, r.st().Session.Idle, "no warning before idle end - 60 s")

	r.step(time.Second)
	idle := r.st().Session.Idle
	require.NotNil(t, idle, "the warning at idle end - 60 s")
	assert.Equal(t, 60, idle.SecondsLeft)
	assert.True(t, idle.EndsAt.Equal(start.Add(10*time.Minute)), "ends at %s", idle.EndsAt)
	assert.Equal(t, localapi.StateActive, r.st().State, "the idle warning is not the time-left warning")

	r.step(30 * time.Second)
	assert.Equal(t, 30, r.st().Session.Idle.SecondsLeft, "the count goes on")
	require.NoError(t, r.m.StillHere())
	assert.Nil(t, r.st().Session.Idle, "I'm still here takes the warning down at once")

	r.step(9*time.Minute - time.Second)
	assert.Nil(t, r.st().Session.Idle, "the idle clock started again at the answer")
	r.step(time.Second)
	require.NotNil(t, r.st().Session.Idle)
	r.step(59 * time.Second)
	assert.Equal(t, localapi.StateActive, r.st().State, "still running one second before the end")
	assert.Equal(t, 1, r.st().Session.Idle.SecondsLeft)
	r.step(time.Second)
	assert.Equal(t, localapi.StateIdle, r.st().State)
	assert.Equal(t, wipe.TriggerIdle, r.wiper.last(t).Trigger)
	ev := r.sessionEvents()
	require.Len(t, ev, 2)
	assert.Equal(t, wipe.TriggerIdle, ev[1].Trigger)
}

// However late the clock ticks (a suspended machine, a stalled agent),
// the session never ends for idleness before the warning has shown for
// IdleWarning.
func TestIdleEndOnlyAfterTheWarningShowedAMinute(t *testing.T) {
	for _, late := range []time.Duration{10 * time.Minute, 25 * time.Minute} {
		t.Run(late.String(), func(t *testing.T) {
			r := newRig(t, func(p *policy.Policy) { p.Session.IdleLogoutMinutes = 10 })
			require.NoError(t, r.login("20000001"))
			r.step(late)
			st := r.st()
			require.Equal(t, localapi.StateActive, st.State, "not ended at the first tick past the idle end")
			require.NotNil(t, st.Session.Idle)
			assert.Equal(t, 60, st.Session.Idle.SecondsLeft)
			r.step(IdleWarning - time.Second)
			assert.Equal(t, localapi.StateActive, r.st().State)
			r.step(time.Second)
			assert.Equal(t, localapi.StateIdle, r.st().State, "ended once the warning showed a minute")
			assert.Equal(t, wipe.TriggerIdle, r.wiper.last(t).Trigger)
		})
	}
}

// Every intent is activity: it takes the warning down like "I'm still
// here". Only a running session can be kept.
func TestIdleWarningTakenDownByAnyIntent(t *testing.T) {
	r := newRig(t, func(p *policy.Policy) { p.Session.IdleLogoutMinutes = 2 })
	assert.Equal(t, localapi.RefusalUnavailable, refusalCode(t, r.m.StillHere()), "no session to keep")
	require.NoError(t, r.login("20000001"))
	r.step(time.Minute)
	require.NotNil(t, r.st().Session.Idle, "with 2 idle minutes the warning comes after one")
	r.m.Touch() // what SetLanguage, SetAccessibility and RequestHelp do
	assert.Nil(t, r.st().Session.Idle)
	r.step(time.Minute)
	require.NotNil(t, r.st().Session.Idle)
	r.step(time.Minute)
	assert.Equal(t, localapi.StateIdle, r.st().State)
}
