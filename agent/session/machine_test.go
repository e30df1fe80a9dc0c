package session

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"piste/agent/localapi"
	"piste/agent/wipe"
	"piste/fleet/protocol"
	"piste/policies/policy"
)

func refusalCode(t *testing.T, err error) protocol.RefusalCode {
	t.Helper()
	var ref *localapi.Refusal
	require.Truef(t, errors.As(err, &ref), "want a refusal, got %v", err)
	return ref.Code
}

func markerExists(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, MarkerFile))
	return err == nil
}

func TestLoginStartsSession(t *testing.T) {
	r := newRig(t, nil)
	require.NoError(t, r.login("20000001"))
	st := r.st()
	assert.Equal(t, localapi.StateActive, st.State)
	require.NotNil(t, st.Session)
	assert.Equal(t, protocol.SessionCard, st.Session.Kind)
	assert.Equal(t, 60, st.Session.MinutesLeft)
	assert.Equal(t, 3600, st.Session.SecondsLeft)
	assert.True(t, st.Session.CanExtend)
	assert.True(t, markerExists(r.dir), "marker written at session start")
	events := r.sessionEvents()
	require.Len(t, events, 1)
	assert.Equal(t, protocol.PhaseStart, events[0].Phase)
	assert.Equal(t, "s20000001", events[0].SessionID)

	assert.Equal(t, localapi.RefusalBusy, refusalCode(t, r.login("20000002")), "a second login while a session runs")
}

func TestLoginRefusals(t *testing.T) {
	for _, code := range []protocol.RefusalCode{localapi.RefusalWrongPIN, localapi.RefusalUnknownCard, localapi.RefusalBlocked, localapi.RefusalQuotaExhausted} {
		t.Run(string(code), func(t *testing.T) {
			r := newRig(t, nil)
			r.fleet.refusals["card-"+string(code)] = code
			assert.Equal(t, code, refusalCode(t, r.login("card-"+string(code))))
			st := r.st()
			assert.Equal(t, localapi.StateIdle, st.State)
			require.NotNil(t, st.Refusal)
			assert.Equal(t, code, st.Refusal.Code)
			assert.Nil(t, st.Session)
			assert.False(t, markerExists(r.dir))
			assert.Empty(t, r.sessionEvents())

			require.NoError(t, r.login("20000001"), "the next attempt may succeed")
			assert.Nil(t, r.st().Refusal, "a session start clears the refusal")
		})
	}
}

func TestSessionClock(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(*policy.Policy)
		grant   int
		steps   []time.Duration // advance, in order
		touch   bool            // touch the kiosk every step
		want    []localapi.State
		trigger wipe.Trigger
	}{
		{name: "warning at 5 then end at max", grant: 60, touch: true,
			steps:   []time.Duration{54 * time.Minute, time.Minute, 4 * time.Minute, time.Minute},
			want:    []localapi.State{localapi.StateActive, localapi.StateWarning, localapi.StateWarning, localapi.StateIdle},
			trigger: wipe.TriggerTimeout},
		{name: "grant shorter than max", grant: 20, touch: true,
			steps:   []time.Duration{14 * time.Minute, time.Minute, 5 * time.Minute},
			want:    []localapi.State{localapi.StateActive, localapi.StateWarning, localapi.StateIdle},
			trigger: wipe.TriggerTimeout},
		{name: "max caps a longer grant", grant: 500, touch: true,
			edit:    func(p *policy.Policy) { p.Session.MaxMinutes = 30 },
			steps:   []time.Duration{29 * time.Minute, time.Minute},
			want:    []localapi.State{localapi.StateWarning, localapi.StateIdle},
			trigger: wipe.TriggerTimeout},
		{name: "idle logout", grant: 60,
			steps:   []time.Duration{9 * time.Minute, time.Minute},
			want:    []localapi.State{localapi.StateActive, localapi.StateIdle},
			trigger: wipe.TriggerIdle},
		{name: "activity keeps idle away", grant: 60, touch: true,
			steps: []time.Duration{9 * time.Minute, 9 * time.Minute, 9 * time.Minute},
			want:  []localapi.State{localapi.StateActive, localapi.StateActive, localapi.StateActive}},
		{name: "closing time", grant: 60, touch: true,
			edit: func(p *policy.Policy) {
				h, err := policy.ParseDayHours("08:00-10:30")
				if err != nil {
					panic(err)
				}
				p.Hours.Weekly = policy.Weekly{policy.Mon: h}
				p.Session.EndBeforeClosingMinutes = 5
			},
			steps:   []time.Duration{20 * time.Minute, 4 * time.Minute, time.Minute},
			want:    []localapi.State{localapi.StateWarning, localapi.StateWarning, localapi.StateIdle},
			trigger: wipe.TriggerClosing},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, tc.edit)
			r.fleet.minutes = tc.grant
			require.NoError(t, r.login("20000001"))
			for i, d := range tc.steps {
				r.advanceWith(d, tc.touch)
				assert.Equalf(t, tc.want[i], r.st().State, "after step %d", i)
			}
			if tc.trigger == "" {
				return
			}
			assert.Equal(t, tc.trigger, r.wiper.last(t).Trigger)
			assert.Equal(t, "visitor", r.wiper.last(t).User)
			ev := r.sessionEvents()
			require.Len(t, ev, 2)
			assert.Equal(t, protocol.PhaseEnd, ev[1].Phase)
			assert.Equal(t, tc.trigger, ev[1].Trigger)
			assert.False(t, markerExists(r.dir), "marker removed after the verified wipe")
			assert.Nil(t, r.st().Session)
		})
	}
}

func TestWarningShowsTimeLeft(t *testing.T) {
	r := newRig(t, nil)
	require.NoError(t, r.login("20000001"))
	r.advanceActive(59*time.Minute + 30*time.Second)
	st := r.st()
	require.Equal(t, localapi.StateWarning, st.State)
	assert.Equal(t, 30, st.Session.SecondsLeft)
	assert.Equal(t, 1, st.Session.MinutesLeft)
}

func TestClosingFromPolicyDuringSession(t *testing.T) {
	r := newRig(t, nil)
	require.NoError(t, r.login("20000001"))
	p := r.m.Policy()
	h, err := policy.ParseDayHours("08:00-10:20")
	require.NoError(t, err)
	p.Hours.Weekly = policy.Weekly{policy.Mon: h}
	p.Session.EndBeforeClosingMinutes = 0
	r.m.SetPolicy(p)
	st := r.st()
	require.NotNil(t, st.Session)
	assert.True(t, st.Session.EndsAtClosing)
	assert.Equal(t, 20, st.Session.MinutesLeft)
	assert.False(t, st.Session.CanExtend, "no extension past closing")
}

func TestLoginRefusedWhenClosed(t *testing.T) {
	r := newRig(t, func(p *policy.Policy) {
		h, _ := policy.ParseDayHours("12:00-16:00")
		p.Hours.Weekly = policy.Weekly{policy.Mon: h}
	})
	assert.Equal(t, localapi.RefusalClosed, refusalCode(t, r.login("20000001")))
	assert.Equal(t, 0, r.fleet.logins, "the fleet is not asked while the library is closed")
}

func TestExtend(t *testing.T) {
	tests := []struct {
		name        string
		fleetGrants int
		maxExt      int
		before      int // extensions done first
		wantCode    protocol.RefusalCode
		wantMinutes int
	}{
		{name: "allowed", fleetGrants: 15, maxExt: 2, wantMinutes: 60 - 56 + 15},
		{name: "refused by the fleet", fleetGrants: 0, maxExt: 2, wantCode: localapi.RefusalQuotaExhausted, wantMinutes: 4},
		{name: "max extensions reached", fleetGrants: 15, maxExt: 1, before: 1, wantCode: localapi.RefusalQuotaExhausted, wantMinutes: 4 + 15},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, func(p *policy.Policy) { p.Session.MaxExtensions = tc.maxExt })
			r.fleet.extend = tc.fleetGrants
			require.NoError(t, r.login("20000001"))
			for range tc.before {
				require.NoError(t, r.m.Extend(context.Background()))
			}
			r.advanceActive(56 * time.Minute)
			before := r.st().State
			err := r.m.Extend(context.Background())
			st := r.st()
			if tc.wantCode != "" {
				assert.Equal(t, tc.wantCode, refusalCode(t, err))
				require.NotNil(t, st.Refusal, "the refusal is shown")
				assert.Equal(t, tc.wantCode, st.Refusal.Code)
				assert.Equal(t, before, st.State, "a refused extension leaves the session running")
			} else {
				require.NoError(t, err)
				assert.Equal(t, localapi.StateWarning, before)
				assert.Equal(t, localapi.StateActive, st.State, "out of the warning window again")
				assert.Equal(t, 1, st.Session.Extensions)
			}
			assert.Equal(t, tc.wantMinutes, st.Session.MinutesLeft)
		})
	}
}

func TestOfflineAtLogin(t *testing.T) {
	tests := []struct {
		name        string
		mode        policy.OfflineMode
		reservation *protocol.Reservation
		wantCode    protocol.RefusalCode
		wantMinutes int
	}{
		{name: "walkup", mode: policy.OfflineAllowWalkup, wantMinutes: 30},
		{name: "deny", mode: policy.OfflineDeny, wantCode: localapi.RefusalOffline},
		{name: "walkup before a reservation", mode: policy.OfflineAllowWalkup, wantMinutes: 12,
			reservation: &protocol.Reservation{ID: "r1", From: monday10.Add(12 * time.Minute), Until: monday10.Add(time.Hour)}},
		{name: "walkup during a reservation", mode: policy.OfflineAllowWalkup, wantCode: localapi.RefusalReserved,
			reservation: &protocol.Reservation{ID: "r1", From: monday10.Add(-time.Minute), Until: monday10.Add(time.Hour)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, func(p *policy.Policy) { p.Session.Offline = tc.mode })
			r.m.SetReservation(tc.reservation)
			r.fleet.srv.Close()
			r.m.SetLinkDown(true) // the link was down before the visitor asked
			err := r.login("20000001")
			st := r.st()
			if tc.wantCode != "" {
				assert.Equal(t, tc.wantCode, refusalCode(t, err))
				assert.Equal(t, localapi.StateIdle, st.State)
				require.NotNil(t, st.Refusal)
				assert.Equal(t, tc.wantCode, st.Refusal.Code)
				return
			}
			require.NoError(t, err)
			require.NotNil(t, st.Session)
			assert.Equal(t, protocol.SessionWalkup, st.Session.Kind)
			assert.Equal(t, tc.wantMinutes, st.Session.MinutesLeft)
			assert.False(t, st.Session.CanExtend)
			assert.Equal(t, localapi.RefusalOffline, refusalCode(t, r.m.Extend(context.Background())))
			ev := r.sessionEvents()
			require.Len(t, ev, 1)
			assert.Equal(t, protocol.SessionWalkup, ev[0].Kind)
		})
	}
}

func TestReservationShownAndExpires(t *testing.T) {
	r := newRig(t, nil)
	res := &protocol.Reservation{ID: "r1", From: monday10.Add(10 * time.Minute), Until: monday10.Add(40 * time.Minute), CardHint: "0001"}
	r.m.SetReservation(res)
	require.NotNil(t, r.st().Reservation)
	assert.Equal(t, "0001", r.st().Reservation.CardHint)
	assert.True(t, r.st().Reservation.From.Equal(res.From))
	r.advance(40 * time.Minute)
	assert.Nil(t, r.st().Reservation, "the slot is over")
	r.m.SetReservation(res)
	r.m.SetReservation(nil)
	assert.Nil(t, r.st().Reservation)
}

func TestEndWipesAndResetsChoices(t *testing.T) {
	r := newRig(t, func(p *policy.Policy) { p.Accessibility.DefaultLanguage = policy.Swedish })
	assert.Equal(t, "sv", r.st().Language, "the first status has the policy's language")
	require.NoError(t, r.login("20000001"))
	r.publish(func(s *localapi.Status) {
		s.Language, s.Accessibility = "en", localapi.Accessibility{TextScale: 200, HighContrast: true}
	})
	r.wiper.gate = make(chan struct{})
	require.NoError(t, r.m.End(context.Background()))
	assert.Equal(t, localapi.StateWiping, r.st().State, "cleaning up shows at once")
	assert.Equal(t, localapi.RefusalBusy, refusalCode(t, r.login("20000002")), "no login while wiping")
	require.NoError(t, r.m.End(context.Background()), "pressing end twice is fine")
	r.wiper.gate <- struct{}{}
	r.m.Wait()
	st := r.st()
	assert.Equal(t, localapi.StateIdle, st.State)
	assert.Equal(t, "sv", st.Language)
	assert.Equal(t, localapi.Accessibility{TextScale: 100}, st.Accessibility)
	req := r.wiper.last(t)
	assert.Equal(t, wipe.TriggerVisitorEnd, req.Trigger)
	assert.Equal(t, "/srv/skel", req.Skeleton)
	assert.Equal(t, 3*time.Second, req.Grace)
	require.Len(t, r.receipts(), 1)
	assert.True(t, r.receipts()[0].Verified)
}

func TestRemoteEndSession(t *testing.T) {
	r := newRig(t, nil)
	assert.Equal(t, localapi.RefusalUnavailable, refusalCode(t, r.m.EndWith(wipe.TriggerRemote)), "no session to end")
	require.NoError(t, r.login("20000001"))
	require.NoError(t, r.m.EndWith(wipe.TriggerRemote))
	r.m.Wait()
	assert.Equal(t, wipe.TriggerRemote, r.wiper.last(t).Trigger)
	assert.Equal(t, localapi.StateIdle, r.st().State)
}

func TestWipeFailureFailsClosed(t *testing.T) {
	r := newRig(t, nil)
	require.NoError(t, r.login("20000001"))
	r.wiper.setFail(true)
	require.NoError(t, r.m.End(context.Background()))
	r.m.Wait()
	st := r.st()
	assert.Equal(t, localapi.StateOutOfService, st.State)
	assert.Equal(t, ReasonWipeFailed, st.Reason)
	assert.True(t, markerExists(r.dir), "the marker stays until a verified wipe")
	assert.Equal(t, localapi.RefusalBusy, refusalCode(t, r.login("20000002")))
	rc := r.receipts()
	require.Len(t, rc, 1)
	assert.False(t, rc[0].Verified)

	err := r.m.Unlock(context.Background())
	require.Error(t, err, "unlock runs a wipe, which still fails")
	assert.Contains(t, err.Error(), "a mount inside the home")
	assert.Equal(t, ReasonWipeFailed, r.st().Reason)

	r.wiper.setFail(false)
	require.NoError(t, r.m.Wipe(context.Background()), "the admin's wipe command")
	assert.Equal(t, localapi.StateIdle, r.st().State)
	assert.Equal(t, wipe.TriggerRemote, r.wiper.last(t).Trigger)
	assert.Equal(t, "s20000001", r.wiper.last(t).SessionID, "the retry names the session it cleans up")
	assert.False(t, markerExists(r.dir))
}

func TestLockDuringSession(t *testing.T) {
	r := newRig(t, nil)
	require.NoError(t, r.login("20000001"))
	r.m.Lock()
	r.m.Wait()
	assert.Equal(t, wipe.TriggerRemote, r.wiper.last(t).Trigger, "the session is wiped before the lock")
	st := r.st()
	assert.Equal(t, localapi.StateOutOfService, st.State)
	assert.Equal(t, ReasonLocked, st.Reason)
	require.NoError(t, r.m.Wipe(context.Background()))
	assert.Equal(t, ReasonLocked, r.st().Reason, "a wipe keeps the lock")
	require.NoError(t, r.m.Unlock(context.Background()))
	assert.Equal(t, localapi.StateIdle, r.st().State)
	require.Error(t, r.m.Unlock(context.Background()), "nothing to unlock")
}

func TestRecoveryWipesBeforeIdle(t *testing.T) {
	for _, fail := range []bool{false, true} {
		t.Run(map[bool]string{false: "verified", true: "fails"}[fail], func(t *testing.T) {
			r := newRig(t, nil)
			require.NoError(t, r.login("20000001"))
			// The agent dies here; a new one starts on the same state dir.
			r.mu.Lock()
			r.status, r.events = localapi.Status{}, nil
			r.mu.Unlock()
			r.wiper.setFail(fail)
			m2 := r.machine(nil)
			assert.Equal(t, localapi.StateWiping, r.st().State, "never idle before the recovery wipe")
			assert.Equal(t, localapi.RefusalBusy, refusalCode(t, m2.Login(context.Background(), "20000002", "1234")))
			m2.Start()
			m2.Wait()
			req := r.wiper.last(t)
			assert.Equal(t, wipe.TriggerRecovery, req.Trigger)
			assert.Equal(t, "s20000001", req.SessionID)
			ev := r.sessionEvents()
			require.Len(t, ev, 1)
			assert.Equal(t, protocol.PhaseEnd, ev[0].Phase)
			assert.Equal(t, wipe.TriggerRecovery, ev[0].Trigger)
			if fail {
				assert.Equal(t, localapi.StateOutOfService, r.st().State)
				assert.True(t, markerExists(r.dir))
				return
			}
			assert.Equal(t, localapi.StateIdle, r.st().State)
			assert.False(t, markerExists(r.dir))
		})
	}
}

func TestDamagedMarkerStillWipes(t *testing.T) {
	r := newRig(t, nil)
	require.NoError(t, os.WriteFile(filepath.Join(r.dir, MarkerFile), []byte("{garbage"), 0o600))
	m := r.machine(nil)
	m.Start()
	m.Wait()
	assert.Equal(t, wipe.TriggerRecovery, r.wiper.last(t).Trigger)
	assert.Equal(t, "visitor", r.wiper.last(t).User, "the policy's kiosk user when the marker names none")
	assert.Equal(t, localapi.StateIdle, r.st().State)
}

func TestMarkerWriteFailureRefusesLogin(t *testing.T) {
	r := newRig(t, nil)
	require.NoError(t, os.Mkdir(filepath.Join(r.dir, MarkerFile), 0o700)) // a directory in its place: the marker cannot be written
	assert.Equal(t, localapi.RefusalUnavailable, refusalCode(t, r.login("20000001")))
	assert.Equal(t, localapi.StateIdle, r.st().State)
	assert.Empty(t, r.sessionEvents())
}
