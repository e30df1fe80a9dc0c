package session

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"piste/agent/localapi"
	"piste/fleet/protocol"
	"piste/policies/policy"
)

// A login the fleet does not answer in time, answers with a proxy's 502/
// 503/504, or cannot be sent is a walk-up session only when the link was
// already down before the visitor asked. While the link is up it is a
// refusal that says to try again: a visitor who makes the fleet slow
// (or finds it slow) must not get a session for any card and PIN.
func TestUnansweredLoginIsWalkupOnlyWhenTheLinkWasDown(t *testing.T) {
	fleets := []struct {
		name   string
		status int // the fleet's answer; 0: none before the agent gives up
		listen bool
	}{
		{"slower than the agent waits", 0, true},
		{"proxy says 502", http.StatusBadGateway, true},
		{"proxy says 503", http.StatusServiceUnavailable, true},
		{"proxy says 504", http.StatusGatewayTimeout, true},
		{"nothing listens", 0, false},
	}
	for _, fl := range fleets {
		for _, linkDown := range []bool{false, true} {
			name := fl.name + "/link up"
			if linkDown {
				name = fl.name + "/link down"
			}
			t.Run(name, func(t *testing.T) {
				r := newRig(t, func(p *policy.Policy) { p.Session.Offline = policy.OfflineAllowWalkup })
				base := r.fleet.srv.URL
				r.fleet.srv.Close()
				if fl.listen {
					release := make(chan struct{}) // ends a slow answer before its server closes
					srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
						if fl.status != 0 {
							w.WriteHeader(fl.status)
							return
						}
						io.Copy(io.Discard, r.Body) // then the server sees the agent hang up
						select {
						case <-r.Context().Done():
						case <-release:
						}
					}))
					t.Cleanup(srv.Close)
					t.Cleanup(func() { close(release) })
					base = srv.URL
				}
				u, err := url.Parse(base)
				require.NoError(t, err)
				m := New(Config{Clock: r.clock, Fleet: NewHTTPFleet(u, "token", http.DefaultClient), Wiper: r.wiper,
					Emit: r.emit, Publish: r.publish, StateDir: r.dir, Policy: r.m.Policy(), FleetTimeout: 200 * time.Millisecond})
				m.SetLinkDown(linkDown)

				err = m.Login(context.Background(), "20000001", "1234")
				st := r.st()
				if linkDown {
					require.NoError(t, err)
					require.NotNil(t, st.Session)
					assert.Equal(t, protocol.SessionWalkup, st.Session.Kind, "the fleet was known to be down: walk-up as policy allows")
					return
				}
				assert.Equal(t, localapi.RefusalUnavailable, refusalCode(t, err))
				assert.Equal(t, localapi.StateIdle, st.State)
				assert.Nil(t, st.Session, "no session for an unchecked card")
				require.NotNil(t, st.Refusal)
				assert.Equal(t, localapi.RefusalUnavailable, st.Refusal.Code, "the kiosk says the library system is not answering")
				assert.False(t, markerExists(r.dir))
				assert.Empty(t, r.sessionEvents())
			})
		}
	}
}

// The agent limits card checks on its own side as well: logins and
// reservations share a small burst, then one more every cardCheckEvery.
// Guest passes are not card checks. Reservations are made from the
// welcome screen only.
func TestCardChecksAreLimitedOnTheTerminal(t *testing.T) {
	r := newRig(t, nil)
	for card := range cardCheckBurst {
		r.fleet.refusals[string(rune('a'+card))] = localapi.RefusalWrongCardOrPIN
	}
	for i := range cardCheckBurst {
		if i%2 == 1 {
			require.NoError(t, r.m.AdmitReserve(), "check %d", i)
			continue
		}
		assert.Equal(t, localapi.RefusalWrongCardOrPIN, refusalCode(t, r.login(string(rune('a'+i)))), "check %d", i)
	}
	logins := r.fleet.logins
	err := r.login("20000001")
	assert.Equal(t, localapi.RefusalRateLimited, refusalCode(t, err))
	var ref *localapi.Refusal
	require.ErrorAs(t, err, &ref)
	assert.Equal(t, int(cardCheckEvery/time.Second), ref.RetryAfterSeconds)
	assert.Equal(t, logins, r.fleet.logins, "the fleet is not asked")
	require.NotNil(t, r.st().Refusal)
	assert.Equal(t, localapi.RefusalRateLimited, r.st().Refusal.Code, "the kiosk shows the wait")
	assert.Equal(t, localapi.RefusalRateLimited, refusalCode(t, r.m.AdmitReserve()))

	require.NoError(t, r.m.Guest(context.Background(), "guest-1"), "a guest pass is not a card check")
	assert.Equal(t, localapi.RefusalBusy, refusalCode(t, r.m.AdmitReserve()), "no reservations during a session")
	require.NoError(t, r.m.End(context.Background()))
	r.m.Wait()

	r.clock.Advance(cardCheckEvery)
	require.NoError(t, r.login("20000001"), "one more check after the wait")
}
