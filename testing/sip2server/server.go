// Package sip2server is a SIP2 server for tests and demos that answers
// like the Evergreen SIPServer reference recordings, with patrons that can
// be added, blocked or given fees, and switchable faults (silence, delay,
// garbage, truncation, bad checksums) to test clients against.
package sip2server

import (
	"bufio"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"
)

// Config sets up a Server. Zero values give the reference setup.
type Config struct {
	// Institution is the server's own AO. Default "UWOLS".
	Institution string
	// User and Password are the accepted 93 login. Default
	// "scclient" / "clientpwd".
	User     string
	Password string
	// Patrons replace ReferencePatrons when not nil.
	Patrons []Patron
	// EndSessionMessage is the AF of a 36. Default Evergreen's.
	EndSessionMessage string
	// Clock gives the time for response dates. Default time.Now.
	Clock func() time.Time
	// PlainUTF8 answers in UTF-8. By default the server answers in
	// ASCII like the reference institution, which turns each non-ASCII
	// byte into a folded letter or "?" ("ä" becomes "A?").
	PlainUTF8 bool
	// Logger gets one line per connection problem. Default discards.
	Logger *slog.Logger
}

func (c *Config) defaults() {
	if c.Institution == "" {
		c.Institution = "UWOLS"
	}
	if c.User == "" && c.Password == "" {
		c.User, c.Password = "scclient", "clientpwd"
	}
	if c.Patrons == nil {
		c.Patrons = ReferencePatrons()
	}
	if c.EndSessionMessage == "" {
		c.EndSessionMessage = "Thank you for using Evergreen!"
	}
	if c.Clock == nil {
		c.Clock = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
}

// Faults make the server misbehave, for testing clients. They apply to
// every response after a request has been read, logins included.
type Faults struct {
	// Silent reads requests and never answers.
	Silent bool
	// Delay waits this long before each answer.
	Delay time.Duration
	// Garbage answers with bytes that are not a SIP2 message, then CR.
	Garbage bool
	// Truncate answers with the first 10 bytes of the response, then CR.
	Truncate bool
	// Hangup closes the connection instead of answering.
	Hangup bool
	// CorruptChecksums spoils the AZ of the next that many responses;
	// negative spoils all of them.
	CorruptChecksums int
	// RequestResends answers the next that many requests with 96.
	RequestResends int
}

// Server is a SIP2 server on one listener.
type Server struct {
	cfg Config

	mu       sync.Mutex
	patrons  map[string]Patron
	clock    func() time.Time
	faults   Faults
	conns    map[net.Conn]struct{}
	accepted int
	listener net.Listener
	closed   bool
	done     chan struct{}
	wg       sync.WaitGroup
}

// New returns a Server; it checks every patron's status flags.
func New(cfg Config) (*Server, error) {
	cfg.defaults()
	s := &Server{cfg: cfg, patrons: map[string]Patron{}, clock: cfg.Clock,
		conns: map[net.Conn]struct{}{}, done: make(chan struct{})}
	for _, p := range cfg.Patrons {
		if err := s.AddPatron(p); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// AddPatron adds or replaces a patron, also while serving.
func (s *Server) AddPatron(p Patron) error {
	if _, err := p.status(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.patrons[p.ID] = p
	return nil
}

func (s *Server) patron(id string) (Patron, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.patrons[id]
	return p, ok
}

// SetClock replaces the clock used for response dates.
func (s *Server) SetClock(clock func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clock = clock
}

func (s *Server) now() time.Time {
	s.mu.Lock()
	clock := s.clock
	s.mu.Unlock()
	return clock()
}

// SetFaults replaces the fault switches.
func (s *Server) SetFaults(f Faults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = f
}

// takeFaults returns the faults for one response and counts down the
// one-shot ones.
func (s *Server) takeFaults() (f Faults, corrupt, resend bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f = s.faults
	if s.faults.CorruptChecksums != 0 {
		corrupt = true
		if s.faults.CorruptChecksums > 0 {
			s.faults.CorruptChecksums--
		}
	}
	if s.faults.RequestResends > 0 {
		resend = true
		s.faults.RequestResends--
	}
	return f, corrupt, resend
}

// Listen starts serving on addr (such as "127.0.0.1:0") in the background.
func (s *Server) Listen(addr string) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("sip2server: listen on %s: %w", addr, err)
	}
	s.mu.Lock()
	s.listener = l
	s.mu.Unlock()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.Serve(l)
	}()
	return nil
}

// Addr is the listening address, once Listen has returned.
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.listener == nil {
		return ""
	}
	return s.listener.Addr().String()
}

// Serve accepts connections on l until l is closed.
func (s *Server) Serve(l net.Listener) error {
	for {
		conn, err := l.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			return fmt.Errorf("sip2server: accept: %w", err)
		}
		if !s.track(conn) {
			conn.Close()
			return nil
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer s.untrack(conn)
			sess := &session{srv: s, conn: conn, r: bufio.NewReader(conn)}
			sess.run()
		}()
	}
}

func (s *Server) track(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.conns[c] = struct{}{}
	s.accepted++
	return true
}

// Accepted is how many connections the server has accepted so far.
func (s *Server) Accepted() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.accepted
}

func (s *Server) untrack(c net.Conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.conns, c)
	c.Close()
}

// DropConnections closes every open client connection, as a library
// system restart would; the listener keeps accepting.
func (s *Server) DropConnections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		c.Close()
	}
	return len(s.conns)
}

// Close stops the listener, closes all connections and waits for them.
func (s *Server) Close() error {
	s.mu.Lock()
	if !s.closed {
		close(s.done)
	}
	s.closed = true
	var err error
	if s.listener != nil {
		err = s.listener.Close()
	}
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return err
}
