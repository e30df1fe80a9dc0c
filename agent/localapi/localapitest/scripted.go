// Package localapitest provides an in-memory localapi.Controller for tests
// of local API clients (the kiosk UI, the agent's ctl command): a small
// stand-in for the agent whose status the test sets and whose received
// intents the test reads back, served over a real unix socket.
package localapitest

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"piste/agent/localapi"
	"piste/fleet/protocol"
)

// Call is one intent the controller received.
type Call struct {
	Method string // Login, Guest, Reserve, Extend, End, SetLanguage, SetAccessibility, RequestHelp, CancelHelp, SayHelp
	Arg    any    // the request value, or nil for calls without one
}

// Scripted is an in-memory Controller. Its status changes only when the
// test calls SetStatus or Update, or when an intent has an effect set
// with OnCall; every intent is recorded.
type Scripted struct {
	mu       sync.Mutex
	status   localapi.Status
	calls    []Call
	refusals map[string]*localapi.Refusal
	effects  map[string]func(st *localapi.Status, arg any)
	watchers map[chan localapi.Status]struct{}
	changed  chan struct{}
	// remembered is what RememberSettings kept (MyData).
	remembered *protocol.VisitorSettings
}

var _ localapi.Controller = (*Scripted)(nil)

// NewScripted returns a controller showing st.
func NewScripted(st localapi.Status) *Scripted {
	return &Scripted{
		status:   st,
		refusals: map[string]*localapi.Refusal{},
		effects:  map[string]func(*localapi.Status, any){},
		watchers: map[chan localapi.Status]struct{}{},
		changed:  make(chan struct{}),
	}
}

// Status returns the current status.
func (s *Scripted) Status() localapi.Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.status
}

// SetStatus replaces the status and notifies watchers.
func (s *Scripted) SetStatus(st localapi.Status) {
	s.Update(func(cur *localapi.Status) { *cur = st })
}

// Update changes the status in place and notifies watchers.
func (s *Scripted) Update(change func(st *localapi.Status)) {
	s.mu.Lock()
	change(&s.status)
	st := s.status
	for ch := range s.watchers {
		// Watchers are buffered by one and always carry the newest status.
		select {
		case <-ch:
		default:
		}
		ch <- st
	}
	s.mu.Unlock()
}

// Watch sends the current status and then every change until ctx ends.
func (s *Scripted) Watch(ctx context.Context) <-chan localapi.Status {
	ch := make(chan localapi.Status, 1)
	out := make(chan localapi.Status)
	s.mu.Lock()
	ch <- s.status
	s.watchers[ch] = struct{}{}
	s.mu.Unlock()
	go func() {
		defer close(out)
		defer func() {
			s.mu.Lock()
			delete(s.watchers, ch)
			s.mu.Unlock()
		}()
		for {
			select {
			case st := <-ch:
				select {
				case out <- st:
				case <-ctx.Done():
					return
				}
			case <-ctx.Done():
				return
			}
		}
	}()
	return out
}

// Watchers returns how many Watch streams are open.
func (s *Scripted) Watchers() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.watchers)
}

// RefuseNext makes the next call of method fail with r.
func (s *Scripted) RefuseNext(method string, r *localapi.Refusal) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refusals[method] = r
}

// OnCall sets what a successful call of method does to the status, e.g.
// Login moving the state to active.
func (s *Scripted) OnCall(method string, effect func(st *localapi.Status, arg any)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.effects[method] = effect
}

// Calls returns the intents received so far.
func (s *Scripted) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// WaitCalls waits until n intents have arrived and returns them.
func (s *Scripted) WaitCalls(t testing.TB, n int) []Call {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if calls := s.Calls(); len(calls) >= n {
			return calls
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("localapitest: waited 10s for %d calls, got %v", n, s.Calls())
	return nil
}

func (s *Scripted) record(method string, arg any) error {
	s.mu.Lock()
	s.calls = append(s.calls, Call{Method: method, Arg: arg})
	ref := s.refusals[method]
	delete(s.refusals, method)
	effect := s.effects[method]
	s.mu.Unlock()
	if ref != nil {
		return ref
	}
	if effect != nil {
		s.Update(func(st *localapi.Status) { effect(st, arg) })
	}
	return nil
}

// Login records the call.
func (s *Scripted) Login(_ context.Context, req localapi.LoginRequest) error {
	return s.record("Login", req)
}

// Guest records the call.
func (s *Scripted) Guest(_ context.Context, req localapi.GuestRequest) error {
	return s.record("Guest", req)
}

// Reserve records the call.
func (s *Scripted) Reserve(_ context.Context, req localapi.ReserveRequest) error {
	return s.record("Reserve", req)
}

// Extend records the call.
func (s *Scripted) Extend(context.Context) error { return s.record("Extend", nil) }

// StillHere records the call.
func (s *Scripted) StillHere(context.Context) error { return s.record("StillHere", nil) }

// End records the call.
func (s *Scripted) End(context.Context) error { return s.record("End", nil) }

// SetLanguage records the call.
func (s *Scripted) SetLanguage(_ context.Context, req localapi.LanguageRequest) error {
	return s.record("SetLanguage", req)
}

// SetAccessibility records the call.
func (s *Scripted) SetAccessibility(_ context.Context, req localapi.Accessibility) error {
	return s.record("SetAccessibility", req)
}

// RequestHelp records the call.
func (s *Scripted) RequestHelp(_ context.Context, req localapi.HelpRequest) error {
	return s.record("RequestHelp", req)
}

// CancelHelp records the call.
func (s *Scripted) CancelHelp(context.Context) error { return s.record("CancelHelp", nil) }

// SayHelp records the call.
func (s *Scripted) SayHelp(_ context.Context, req localapi.HelpMessageRequest) error {
	return s.record("SayHelp", req)
}

// Server is a Controller served on a unix socket in a temp dir.
type Server struct {
	Path   string
	cancel context.CancelFunc
	done   chan error
}

// SocketDir returns a short temp dir for sockets: t.TempDir paths can be
// longer than the 104 bytes a socket path may have.
func SocketDir(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "piste-sock-")
	if err != nil {
		t.Fatalf("localapitest: make socket dir: %v", err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// Serve serves c on path (created with localapi.Listen) until Stop or the
// end of the test.
func Serve(t testing.TB, path string, c localapi.Controller) *Server {
	t.Helper()
	ln, err := localapi.Listen(path, localapi.Access{Group: -1})
	if err != nil {
		t.Fatalf("localapitest: %v", err)
	}
	return serveOn(t, path, ln, c)
}

func serveOn(t testing.TB, path string, ln net.Listener, c localapi.Controller) *Server {
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{Path: path, cancel: cancel, done: make(chan error, 1)}
	go func() { s.done <- localapi.Serve(ctx, ln, c) }()
	t.Cleanup(func() { s.Stop() })
	return s
}

// Stop ends the server and waits for it.
func (s *Server) Stop() error {
	if s.cancel == nil {
		return nil
	}
	s.cancel()
	s.cancel = nil
	if err := <-s.done; err != nil {
		return fmt.Errorf("localapitest: serve: %w", err)
	}
	return nil
}

// Start serves c on a fresh socket and returns the server and a client
// connected to it.
func Start(t testing.TB, c localapi.Controller) (*Server, *localapi.Client) {
	t.Helper()
	path := filepath.Join(SocketDir(t), "agent.sock")
	srv := Serve(t, path, c)
	cl := localapi.NewClient(path)
	t.Cleanup(cl.Close)
	return srv, cl
}
