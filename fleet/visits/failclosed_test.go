package visits

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"piste/fleet/protocol"
	"piste/fleet/sip2"
	"piste/fleet/store"
	"piste/testing/sip2server"
)

func refusalOf(t *testing.T, err error) *Refusal {
	t.Helper()
	r, ok := AsRefusal(err)
	require.Truef(t, ok, "want a refusal, got %v", err)
	return r
}

// An unknown card and a known card with a wrong PIN get the same answer,
// try after try, up to the same lockout: trying card numbers does not
// tell which exist. The per-card lockout stays.
func TestUnknownCardAndWrongPINAnswerAlike(t *testing.T) {
	s, _, clock, term := pinService(t, "session:\n  pin_attempts: 4\n  pin_lockout_minutes: 10\n")
	ctx := context.Background()
	for try := 1; try <= 5; try++ { // the fourth locks, the fifth finds the lock
		_, errKnown := s.Login(ctx, term, "20000001", "0000")
		_, errUnknown := s.Login(ctx, term, "29999999", "1234")
		known, unknown := refusalOf(t, errKnown), refusalOf(t, errUnknown)
		assert.Equal(t, known.Body(), unknown.Body(), "try %d", try)
		switch {
		case try < 4:
			assert.Equal(t, protocol.RefusalWrongCardOrPIN, known.Code, "try %d", try)
			assert.Equal(t, "card number or PIN is wrong", known.Msg)
		default:
			assert.Equal(t, protocol.RefusalLockedOut, known.Code, "try %d locks both alike", try)
			assert.Equal(t, 10*time.Minute, known.RetryAfter)
			continue
		}
		clock.Add(int64(known.RetryAfter))
	}

	_, errKnown := s.ReserveNext(ctx, term, "20000002", "0000", 15)
	_, errUnknown := s.ReserveNext(ctx, term, "29999998", "1234", 15)
	assert.Equal(t, refusalOf(t, errKnown).Body(), refusalOf(t, errUnknown).Body(), "a reservation answers alike too")
	assert.Equal(t, protocol.RefusalWrongCardOrPIN, refusalOf(t, errKnown).Code)
}

// Card checks, logins and reservations alike, are limited per terminal
// and fleet-wide; a refused check does not reach the library system.
func TestCardChecksAreRateLimited(t *testing.T) {
	tests := []struct {
		name      string
		limits    CardCheckLimits
		terminals []string // one check each, in order; the last is refused
		wait      time.Duration
		other     string // a terminal that may still check
	}{
		{name: "per terminal", limits: CardCheckLimits{PerTerminal: 3},
			terminals: []string{"t-1", "t-1", "t-1", "t-1"}, wait: 20 * time.Second, other: "t-2"},
		{name: "fleet-wide", limits: CardCheckLimits{PerTerminal: 3, Fleet: 2},
			terminals: []string{"t-1", "t-2", "t-3"}, wait: time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, lib, clock, _ := pinService(t, "session:\n  pin_attempts: 10\n")
			s.Limits = tc.limits
			ctx := context.Background()
			check := func(i int, terminal string) error {
				term := store.Terminal{ID: terminal, Branch: "kallio"}
				card := "2000000" + string(rune('1'+i%3)) // a new card each time: no PIN pauses
				if i%2 == 1 {
					_, err := s.ReserveNext(ctx, term, card, "0000", 15)
					return err
				}
				_, err := s.Login(ctx, term, card, "0000")
				return err
			}
			last := len(tc.terminals) - 1
			for i, term := range tc.terminals[:last] {
				assert.Equal(t, protocol.RefusalWrongCardOrPIN, refusalOf(t, check(i, term)).Code, "check %d", i)
			}
			asked := lib.calls.Load()
			r := refusalOf(t, check(last, tc.terminals[last]))
			assert.Equal(t, protocol.RefusalRateLimited, r.Code)
			assert.Equal(t, tc.wait, r.RetryAfter)
			assert.Equal(t, int(tc.wait/time.Second), r.Body().Refusal.RetryAfterSeconds)
			assert.Equal(t, asked, lib.calls.Load(), "the library system is not asked")
			if tc.other != "" {
				assert.Equal(t, protocol.RefusalWrongCardOrPIN, refusalOf(t, check(last, tc.other)).Code, "another terminal has its own limit")
			}
			clock.Add(int64(tc.wait))
			assert.Equal(t, protocol.RefusalWrongCardOrPIN, refusalOf(t, check(last, tc.terminals[last])).Code, "after the wait")
		})
	}
}

// A library system that does not answer (here with a SIP2 timeout longer
// than any agent waits) is answered service_unavailable at the fleet's
// deadline, while the agent still waits for the answer: the terminal
// never has to guess from silence.
func TestHungLibraryIsRefusedBeforeTheAgentGivesUp(t *testing.T) {
	require.Less(t, protocol.VisitorAnswerDeadline, protocol.AgentVisitorTimeout)
	s, _, _, term := pinService(t, "session:\n  pin_attempts: 10\n")
	lib, err := sip2server.New(sip2server.Config{Patrons: sip2server.DemoPatrons()})
	require.NoError(t, err)
	require.NoError(t, lib.Listen("127.0.0.1:0"))
	t.Cleanup(func() { lib.Close() })
	lib.SetFaults(sip2server.Faults{Silent: true})
	pool, err := sip2.NewPool(sip2.Config{Addr: lib.Addr(), User: "scclient", Password: "clientpwd", Institution: "UWOLS",
		DialTimeout: time.Hour, RequestTimeout: time.Hour})
	require.NoError(t, err)
	t.Cleanup(func() { pool.Close() })
	s.Library = pool
	s.Deadline = 200 * time.Millisecond

	for _, call := range []struct {
		name string
		do   func(ctx context.Context) error
	}{
		{"login", func(ctx context.Context) error { _, err := s.Login(ctx, term, "20000001", "1234"); return err }},
		{"reserve", func(ctx context.Context) error {
			_, err := s.ReserveNext(ctx, term, "20000001", "1234", 15)
			return err
		}},
	} {
		t.Run(call.name, func(t *testing.T) {
			// The agent's side of the call: it waits AgentVisitorTimeout.
			agent, cancel := context.WithTimeout(context.Background(), protocol.AgentVisitorTimeout)
			defer cancel()
			r := refusalOf(t, call.do(agent))
			assert.Equal(t, protocol.RefusalUnavailable, r.Code)
			assert.NoError(t, agent.Err(), "the answer came while the agent still waited")
		})
	}
}
