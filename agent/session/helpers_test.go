package session

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"piste/agent/localapi"
	"piste/agent/wipe"
	"piste/fleet/protocol"
	"piste/policies/policy"
)

// fakeClock is a clock the test moves by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// fakeWiper stands in for the wipe engine, which needs root and a real
// account (the e2e tests run it for real); it records each request and
// answers verified unless told otherwise.
type fakeWiper struct {
	mu       sync.Mutex
	requests []wipe.Request
	fail     bool
	gate     chan struct{} // when set, each wipe waits for a value
}

func (w *fakeWiper) Wipe(ctx context.Context, req wipe.Request) wipe.Receipt {
	if w.gate != nil {
		<-w.gate
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.requests = append(w.requests, req)
	r := wipe.Receipt{SessionID: req.SessionID, Trigger: req.Trigger, User: req.User, Verified: !w.fail}
	if w.fail {
		r.Failures = []wipe.Failure{{Step: wipe.StepHome, Path: "/home/v/mnt", Error: "a mount inside the home"}}
	}
	return r
}

func (w *fakeWiper) setFail(fail bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.fail = fail
}

func (w *fakeWiper) last(t *testing.T) wipe.Request {
	w.mu.Lock()
	defer w.mu.Unlock()
	require.NotEmpty(t, w.requests, "no wipe ran")
	return w.requests[len(w.requests)-1]
}

// testFleet is a real HTTP server speaking the fleet's visitor endpoints
// with answers the test sets.
type testFleet struct {
	srv       *httptest.Server
	mu        sync.Mutex
	minutes   int                             // granted per login
	refusals  map[string]protocol.RefusalCode // card or code → refusal code
	extend    int                             // minutes per extension; 0 refuses
	logins    int
	lastGrant protocol.SessionGrant
}

func newTestFleet(t *testing.T) *testFleet {
	f := &testFleet{minutes: 60, extend: 15, refusals: map[string]protocol.RefusalCode{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+protocol.PathAgentLogin, func(w http.ResponseWriter, r *http.Request) {
		var req protocol.LoginRequest
		require.NoError(t, json.NewDecoder(r.Body).Decode(&req))
		f.grant(w, req.Card, protocol.SessionCard)
	})
	mux.HandleFunc("POST "+protocol.PathAgentGuest, func(w http.ResponseWriter, r *http.Request) {
		var req protocol.GuestRequest
		require.NoError(t, json.NewDecoder(r.Body).Decode(&req))
		f.grant(w, req.Code, protocol.SessionGuest)
	})
	mux.HandleFunc("POST "+protocol.PathAgentExtend, func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		if f.extend == 0 {
			refuse(w, localapi.RefusalQuotaExhausted)
			return
		}
		json.NewEncoder(w).Encode(protocol.Extension{Minutes: f.extend})
	})
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *testFleet) grant(w http.ResponseWriter, who string, kind protocol.SessionKind) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.logins++
	if code, ok := f.refusals[who]; ok {
		refuse(w, code)
		return
	}
	f.lastGrant = protocol.SessionGrant{SessionID: "s" + who, Kind: kind, Minutes: f.minutes, GrantedAt: time.Now()}
	json.NewEncoder(w).Encode(f.lastGrant)
}

func refuse(w http.ResponseWriter, code protocol.RefusalCode) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusForbidden)
	json.NewEncoder(w).Encode(protocol.RefusalBody{Error: "refused: " + string(code), Refusal: protocol.RefusalDetails{Code: code}})
}

// rig is a machine with its parts, as a test sees them.
type rig struct {
	t      *testing.T
	m      *Machine
	clock  *fakeClock
	fleet  *testFleet
	wiper  *fakeWiper
	dir    string
	mu     sync.Mutex
	status localapi.Status
	events []protocol.Event
}

// monday10 is a Monday, 10:00 in Helsinki.
var monday10 = time.Date(2025, 3, 3, 10, 0, 0, 0, mustZone("Europe/Helsinki"))

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

func newRig(t *testing.T, edit func(*policy.Policy)) *rig {
	t.Helper()
	r := &rig{t: t, clock: &fakeClock{t: monday10}, fleet: newTestFleet(t), wiper: &fakeWiper{}, dir: t.TempDir()}
	r.m = r.machine(edit)
	return r
}

func (r *rig) machine(edit func(*policy.Policy)) *Machine {
	p := policy.Defaults()
	p.Session.KioskUser = "visitor"
	p.Wipe.Skeleton = "/srv/skel"
	if edit != nil {
		edit(&p)
	}
	require.NoError(r.t, p.Validate())
	base, err := url.Parse(r.fleet.srv.URL)
	require.NoError(r.t, err)
	return New(Config{Clock: r.clock, Fleet: NewHTTPFleet(base, "token", r.fleet.srv.Client()), Wiper: r.wiper,
		Emit: r.emit, Publish: r.publish, StateDir: r.dir, Policy: p, FleetTimeout: 5 * time.Second})
}

func (r *rig) emit(kind string, data any) {
	raw, err := json.Marshal(data)
	require.NoError(r.t, err)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, protocol.Event{Seq: uint64(len(r.events) + 1), Kind: kind, Data: raw})
}

func (r *rig) publish(fn func(*localapi.Status)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	fn(&r.status)
}

func (r *rig) st() localapi.Status {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.status
}

// sessionEvents returns the session events in order.
func (r *rig) sessionEvents() []protocol.SessionEvent {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []protocol.SessionEvent
	for _, e := range r.events {
		if e.Kind == protocol.EventSession {
			var se protocol.SessionEvent
			require.NoError(r.t, json.Unmarshal(e.Data, &se))
			out = append(out, se)
		}
	}
	return out
}

func (r *rig) receipts() []wipe.Receipt {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []wipe.Receipt
	for _, e := range r.events {
		if e.Kind == protocol.EventWipe {
			var rc wipe.Receipt
			require.NoError(r.t, json.Unmarshal(e.Data, &rc))
			out = append(out, rc)
		}
	}
	return out
}

// advance moves the clock in steps of at most a minute, ticking after each
// step as the daemon's ticker would, then waits for any wipe to finish.
func (r *rig) advance(d time.Duration) { r.advanceWith(d, false) }

// advanceActive is advance with the visitor touching the kiosk each minute.
func (r *rig) advanceActive(d time.Duration) { r.advanceWith(d, true) }

func (r *rig) advanceWith(d time.Duration, touch bool) {
	for d > 0 {
		step := min(d, time.Minute)
		r.clock.Advance(step)
		if touch {
			r.m.Touch()
		}
		r.m.Tick()
		d -= step
	}
	r.m.Wait()
}

func (r *rig) login(card string) error {
	return r.m.Login(context.Background(), card, "1234")
}
