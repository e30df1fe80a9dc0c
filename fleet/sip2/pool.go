package sip2

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"
)

// ErrPoolClosed means Authenticate was called after Close.
var ErrPoolClosed = errors.New("sip2: pool closed")

// Config is what the fleet needs to reach its library system.
type Config struct {
	// Addr is the SIP2 server, host:port.
	Addr string
	// User and Password are the self-check login (93 CN and CO).
	User     string
	Password string
	// Institution is the AO institution id sent with patron requests.
	Institution string
	// Location is the CP location code sent with the login.
	Location string
	// Size is the most connections open at once. Default 4.
	Size int
	// DialTimeout bounds connecting plus the 93 login. Default 5 s.
	DialTimeout time.Duration
	// RequestTimeout bounds one patron request. Default 5 s.
	RequestTimeout time.Duration
	// WaitTimeout bounds the wait for a free connection when all Size are
	// in use. Default 2 s: a queue that does not move within that is a
	// library system too slow to answer anyone in time.
	WaitTimeout time.Duration
	// UsePatronStatus sends 23 Patron Status instead of the default 63
	// Patron Information; 23 carries no fine-items count.
	UsePatronStatus bool
	// Logger gets connection trouble; never a PIN. Default discards.
	Logger *slog.Logger
	// TLS, when set, speaks SIP2 over TLS (see LoadCA, LoadClientCert).
	TLS *tls.Config
}

func (c *Config) defaults() {
	if c.Size <= 0 {
		c.Size = 4
	}
	if c.DialTimeout <= 0 {
		c.DialTimeout = 5 * time.Second
	}
	if c.RequestTimeout <= 0 {
		c.RequestTimeout = 5 * time.Second
	}
	if c.WaitTimeout <= 0 {
		c.WaitTimeout = 2 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
}

// Validate names the first missing or bad setting.
func (c Config) Validate() error {
	for _, f := range []struct{ key, val string }{
		{"sip2.addr", c.Addr}, {"sip2.user", c.User}, {"sip2.institution", c.Institution},
	} {
		if strings.TrimSpace(f.val) == "" {
			return fmt.Errorf("sip2: %s is empty; set it to your library system's value", f.key)
		}
	}
	for _, f := range []struct{ key, val string }{
		{"sip2.user", c.User}, {"sip2.password", c.Password},
		{"sip2.institution", c.Institution}, {"sip2.location", c.Location},
	} {
		if strings.ContainsAny(f.val, "|\r\n") {
			return fmt.Errorf("sip2: %s must not contain '|', CR or LF", f.key)
		}
	}
	return nil
}

// String shows the configuration with the password hidden.
func (c Config) String() string {
	return fmt.Sprintf("sip2.Config{Addr:%s User:%s Password:*** Institution:%s Location:%s Size:%d DialTimeout:%s RequestTimeout:%s WaitTimeout:%s UsePatronStatus:%t}",
		c.Addr, c.User, c.Institution, c.Location, c.Size, c.DialTimeout, c.RequestTimeout, c.WaitTimeout, c.UsePatronStatus)
}

// GoString keeps the password out of %#v as well.
func (c Config) GoString() string { return c.String() }

// LogValue keeps the password out of structured logs.
func (c Config) LogValue() slog.Value { return slog.StringValue(c.String()) }

// Pool shares logged-in connections between concurrent Authenticate
// calls: up to Size run at once, each on its own connection. Idle
// connections are reused; a connection that failed is closed and replaced.
type Pool struct {
	cfg   Config
	slots chan struct{}

	mu     sync.Mutex
	idle   []*Client
	closed bool
}

// NewPool checks cfg and returns a Pool. It dials nothing until the first
// Authenticate, so the fleet starts even while the library system is down.
func NewPool(cfg Config) (*Pool, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg.defaults()
	return &Pool{cfg: cfg, slots: make(chan struct{}, cfg.Size)}, nil
}

// Authenticate asks the library system about card and PIN. The error
// wraps ErrUnavailable when the library system could not be asked; a
// card or PIN that cannot be sent gives ErrUnknownPatron or ErrWrongPIN.
// Pass the Patron to Decide for the verdict.
func (p *Pool) Authenticate(ctx context.Context, card, pin string) (Patron, error) {
	if err := checkCredentials(card, pin); err != nil {
		return Patron{}, err
	}
	if err := p.acquire(ctx); err != nil {
		return Patron{}, err
	}
	defer func() { <-p.slots }()

	for attempt := 1; ; attempt++ {
		patron, reused, err := p.try(ctx, card, pin, attempt > 1)
		if err == nil {
			return patron, nil
		}
		// An idle connection may have been closed by the server since its
		// last use; one retry on a newly dialled connection hides that (the
		// other idle ones may be dead too). A timeout is not retried: it
		// would only double the wait.
		if reused && attempt == 1 && !errors.Is(err, ErrTimeout) && ctx.Err() == nil {
			p.cfg.Logger.Info("sip2: reused connection failed, retrying on a new one", "err", err)
			continue
		}
		return Patron{}, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
}

// ErrBusy means every connection stayed in use for the whole WaitTimeout.
var ErrBusy = errors.New("sip2: every connection to the library system is busy")

// acquire takes a connection slot, waiting at most WaitTimeout: requests
// queued behind a library system that hangs must not wait without end.
func (p *Pool) acquire(ctx context.Context) error {
	select {
	case p.slots <- struct{}{}:
		return nil
	default:
	}
	wait := time.NewTimer(p.cfg.WaitTimeout)
	defer wait.Stop()
	select {
	case p.slots <- struct{}{}:
		return nil
	case <-wait.C:
		return fmt.Errorf("%w: %w: %d in use for %s", ErrUnavailable, ErrBusy, p.cfg.Size, p.cfg.WaitTimeout)
	case <-ctx.Done():
		return fmt.Errorf("%w: waiting for a connection: %w", ErrUnavailable, context.Cause(ctx))
	}
}

func (p *Pool) try(ctx context.Context, card, pin string, fresh bool) (Patron, bool, error) {
	c, reused, err := p.get(ctx, fresh)
	if err != nil {
		return Patron{}, false, err
	}
	var patron Patron
	if p.cfg.UsePatronStatus {
		patron, err = c.PatronStatus(ctx, p.cfg.Institution, card, pin)
	} else {
		patron, err = c.PatronInfo(ctx, p.cfg.Institution, card, pin)
	}
	p.put(c)
	return patron, reused, err
}

// get returns an idle connection, unless fresh, or dials and logs in a
// new one.
func (p *Pool) get(ctx context.Context, fresh bool) (*Client, bool, error) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, false, ErrPoolClosed
	}
	if n := len(p.idle); n > 0 && !fresh {
		c := p.idle[n-1]
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		return c, true, nil
	}
	p.mu.Unlock()
	c, err := p.dial(ctx)
	return c, false, err
}

func (p *Pool) dial(ctx context.Context) (*Client, error) {
	ctx, cancel := context.WithTimeout(ctx, p.cfg.DialTimeout)
	defer cancel()
	c, err := Dial(ctx, p.cfg.Addr, ClientOptions{RequestTimeout: p.cfg.DialTimeout, Logger: p.cfg.Logger, TLS: p.cfg.TLS})
	if err != nil {
		return nil, err
	}
	if err := c.Login(ctx, p.cfg.User, p.cfg.Password, p.cfg.Location); err != nil {
		c.Close()
		return nil, err
	}
	c.opt.RequestTimeout = p.cfg.RequestTimeout
	return c, nil
}

// put keeps a healthy connection for reuse and closes a broken one.
func (p *Pool) put(c *Client) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if c.Broken() || p.closed {
		c.Close()
		return
	}
	p.idle = append(p.idle, c)
}

// Close closes idle connections; connections in use close when their
// call ends. Later Authenticate calls fail with ErrPoolClosed.
func (p *Pool) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	for _, c := range p.idle {
		c.Close()
	}
	p.idle = nil
	return nil
}

// checkCredentials refuses what cannot be sent in a SIP2 field: a '|' or
// CR would end the field or the message early.
func checkCredentials(card, pin string) error {
	if strings.TrimSpace(card) == "" || strings.ContainsAny(card, "|\r\n") {
		return fmt.Errorf("%w: card number is empty or has '|', CR or LF", ErrUnknownPatron)
	}
	if strings.ContainsAny(pin, "|\r\n") {
		return fmt.Errorf("%w: PIN has '|', CR or LF", ErrWrongPIN)
	}
	return nil
}
