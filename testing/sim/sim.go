// Package sim runs simulated terminals: real enrollment, the real agent
// link and protocol, with made-up health and visitor activity. It is how
// one machine plays a city's worth of public PCs in demos and benchmarks.
package sim

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"piste/agent/link"
	"piste/agent/outbox"
	"piste/fleet/protocol"
)

// Config describes a simulated fleet of terminals.
type Config struct {
	Server      string
	Code        string
	Fingerprint string
	Terminals   int
	// Heartbeat overrides the fleet's heartbeat when positive.
	Heartbeat time.Duration
	// Sessions makes terminals start and end visitor sessions now and then.
	Sessions bool
	// Prefix names the terminals: PREFIX-0001 ...
	Prefix string
	Log    *slog.Logger
	// OnCommand, when set, is called as each command arrives (after its ack).
	OnCommand func(terminalID string, cmd Command, at time.Time)
	// OnHeartbeat, when set, is told how long each health event took from
	// being appended to being acked by the fleet.
	OnHeartbeat func(time.Duration)
	// Kind, when set, makes every terminal this kind ("pc" or "screen");
	// unset, every sixth is a screen.
	Kind string
	// OnNotice, when set, is given each notice frame a terminal receives.
	OnNotice func(t *Terminal, n protocol.Notice)
	// OnAck, when set, is told each time the fleet acks a terminal's events.
	OnAck func(t *Terminal, upTo uint64)
	// AgentVersion and OS are what terminals say in hello (default "sim"
	// and "simulated").
	AgentVersion string
	OS           string
	// Updates makes terminals take update offers: download the release,
	// report it installed, reconnect as the new version, report healthy.
	Updates bool
	// HashChecked is how many terminals also hash what they download (the
	// rest count bytes, to keep the machine's CPU for the fleet).
	HashChecked int
}

// Sim is a running set of simulated terminals.
type Sim struct {
	cfg       Config
	Terminals []*Terminal
	wg        sync.WaitGroup
	updates   updateStats
}

// Terminal is one simulated terminal.
type Terminal struct {
	ID     string
	Name   string
	Kind   string
	sim    *Sim
	outbox *outbox.Memory
	link   *link.Link
	index  int
	// version is the agent version it runs; upgrade restarts its link as
	// another.
	version  string
	upgrade  chan upgrade
	updating atomic.Bool
	beat     chan time.Duration
	online   atomic.Bool
	cpu      float64
	mu       sync.Mutex
	sentAt   map[uint64]time.Time // health events awaiting their ack
	state    string
	token    string
}

// Start enrolls every terminal and starts their links. It returns once all
// are enrolled; they come online in the background.
func Start(ctx context.Context, cfg Config) (*Sim, error) {
	if cfg.Terminals <= 0 {
		return nil, fmt.Errorf("sim: terminals must be positive, got %d", cfg.Terminals)
	}
	server, err := link.CheckServerURL(cfg.Server)
	if err != nil {
		return nil, err
	}
	pin := ""
	if cfg.Fingerprint != "" {
		if pin, err = link.ParseFingerprint(cfg.Fingerprint); err != nil {
			return nil, err
		}
	}
	if cfg.Prefix == "" {
		cfg.Prefix = "sim"
	}
	if cfg.AgentVersion == "" {
		cfg.AgentVersion = "sim"
	}
	if cfg.OS == "" {
		cfg.OS = "simulated"
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	s := &Sim{cfg: cfg, Terminals: make([]*Terminal, cfg.Terminals)}
	if err := s.enrollAll(ctx, server, pin); err != nil {
		return nil, err
	}
	dialer := &websocket.Dialer{TLSClientConfig: link.TLSConfig(pin), HandshakeTimeout: 30 * time.Second,
		ReadBufferSize: 1024, WriteBufferSize: 1024}
	for _, t := range s.Terminals {
		if err := t.start(ctx, server, pin, dialer); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// enrollAll enrolls terminals with a few requests in parallel.
func (s *Sim) enrollAll(ctx context.Context, server *url.URL, pin string) error {
	client := link.HTTPClient(pin)
	jobs := make(chan int)
	errs := make(chan error, 1)
	var wg sync.WaitGroup
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				t, err := s.enroll(ctx, client, server, i)
				if err != nil {
					select {
					case errs <- err:
					default:
					}
					continue
				}
				s.Terminals[i] = t
			}
		}()
	}
	for i := range s.Terminals {
		select {
		case jobs <- i:
		case err := <-errs:
			close(jobs)
			wg.Wait()
			return err
		}
	}
	close(jobs)
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
		return nil
	}
}

func (s *Sim) enroll(ctx context.Context, client *http.Client, server *url.URL, i int) (*Terminal, error) {
	kind := "pc"
	if i%6 == 5 {
		kind = "screen"
	}
	if s.cfg.Kind != "" {
		kind = s.cfg.Kind
	}
	name := fmt.Sprintf("%s-%04d", s.cfg.Prefix, i+1)
	body, _ := json.Marshal(protocol.EnrollRequest{Code: s.cfg.Code, Name: name, Kind: protocol.TerminalKind(kind),
		Hostname: name, OS: s.cfg.OS, AgentVersion: s.cfg.AgentVersion})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(server.String(), "/")+protocol.PathEnroll,
		strings.NewReader(string(body)))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("sim: enroll %s: %w", name, err)
	}
	defer resp.Body.Close()
	var reply struct {
		protocol.EnrollResponse
		Error string `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&reply); err != nil || resp.StatusCode != http.StatusCreated {
		return nil, fmt.Errorf("sim: enroll %s: %s %s", name, resp.Status, reply.Error)
	}
	return &Terminal{ID: reply.TerminalID, Name: name, Kind: kind, sim: s, outbox: outbox.NewMemory(),
		beat: make(chan time.Duration, 1), cpu: 5 + rand.Float64()*20, sentAt: map[uint64]time.Time{},
		state: "idle", token: reply.Token, index: i, version: s.cfg.AgentVersion, upgrade: make(chan upgrade)}, nil
}

// Online counts terminals with a live link.
func (s *Sim) Online() int {
	n := 0
	for _, t := range s.Terminals {
		if t.online.Load() {
			n++
		}
	}
	return n
}

// Pending counts events not yet acked by the fleet, across all terminals.
func (s *Sim) Pending() int {
	n := 0
	for _, t := range s.Terminals {
		n += t.outbox.Len()
	}
	return n
}

// Emit makes every terminal append n synthetic events, as fast as it can.
// It returns how many were appended.
func (s *Sim) Emit(kind string, n int) int {
	total := 0
	for _, t := range s.Terminals {
		for i := 0; i < n; i++ {
			data, _ := json.Marshal(map[string]int{"n": i})
			t.outbox.Append(kind, time.Now(), data)
			total++
		}
	}
	return total
}

// Event appends one event to a terminal's outbox and returns its sequence.
func (t *Terminal) Event(kind string, data any) uint64 { return t.event(kind, data) }

// Token is the terminal's token, for its HTTP calls to the fleet.
func (t *Terminal) Token() string { return t.token }

// Wait blocks until every terminal has stopped (its context ended).
func (s *Sim) Wait() { s.wg.Wait() }

// Command is a command as a simulated terminal receives it.
type Command = protocol.Command
