package sip2

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"syscall"
	"time"
)

// Errors a Client returns; each is wrapped with what was being done.
var (
	// ErrTimeout means the library system did not answer in time.
	ErrTimeout = errors.New("sip2: library system did not answer in time")
	// ErrConnClosed means the library system closed the connection.
	ErrConnClosed = errors.New("sip2: library system closed the connection")
	// ErrLoginRejected means the 93 login was answered with 940.
	ErrLoginRejected = errors.New("sip2: library system rejected the SIP2 login")
	// ErrResendLimit means the server kept asking for a resend (96) or
	// kept sending responses that could not be read.
	ErrResendLimit = errors.New("sip2: too many resends")
	// ErrUnexpected means the response is not the one the request needs.
	ErrUnexpected = errors.New("sip2: unexpected response")
	// ErrClientBroken means an earlier error left the connection in an
	// unknown state; dial a new Client.
	ErrClientBroken = errors.New("sip2: connection unusable after an earlier error")
)

// maxResends bounds both the 96 resends of a request and the 97 requests
// for a response whose checksum failed.
const maxResends = 3

// ClientOptions tune a Client.
type ClientOptions struct {
	// RequestTimeout bounds one request and its answer, retries included.
	// Default 5 s.
	RequestTimeout time.Duration
	// Logger gets retries and protocol trouble; never a PIN. Default
	// discards.
	Logger *slog.Logger
	// Now is the clock for request dates. Default time.Now.
	Now func() time.Time
	// TLS, when set, wraps the connection in TLS: the PINs and the SIP2
	// password then cross the library network encrypted.
	TLS *tls.Config
}

func (o *ClientOptions) defaults() {
	if o.RequestTimeout <= 0 {
		o.RequestTimeout = 5 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// Client is one SIP2 connection. It is not safe for concurrent use; a
// Pool shares Clients between goroutines.
type Client struct {
	conn   net.Conn
	r      *bufio.Reader
	opt    ClientOptions
	seq    int
	broken bool
}

// Dial connects to addr. ctx bounds the dial.
func Dial(ctx context.Context, addr string, opt ClientOptions) (*Client, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("sip2: connect to %s: %w", addr, err)
	}
	if opt.TLS != nil {
		if conn, err = handshake(ctx, conn, addr, opt.TLS); err != nil {
			return nil, err
		}
	}
	return NewClient(conn, opt), nil
}

// handshake starts TLS on conn, checking the server's certificate for the
// host of addr unless the configuration names another.
func handshake(ctx context.Context, conn net.Conn, addr string, cfg *tls.Config) (net.Conn, error) {
	if cfg.ServerName == "" {
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			host = addr
		}
		cfg = cfg.Clone()
		cfg.ServerName = host
	}
	tc := tls.Client(conn, cfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		conn.Close()
		var unknown x509.UnknownAuthorityError
		var verify *tls.CertificateVerificationError
		if errors.As(err, &unknown) || errors.As(err, &verify) {
			return nil, fmt.Errorf("sip2: TLS to %s: the library system's certificate is not trusted (%w); check that the SIP2 CA file holds the CA that signed it", addr, err)
		}
		return nil, fmt.Errorf("sip2: TLS handshake with %s: %w", addr, err)
	}
	return tc, nil
}

// NewClient wraps an open connection.
func NewClient(conn net.Conn, opt ClientOptions) *Client {
	opt.defaults()
	return &Client{conn: conn, r: bufio.NewReader(conn), opt: opt}
}

// Close closes the connection.
func (c *Client) Close() error {
	c.broken = true
	return c.conn.Close()
}

// Broken reports whether an error left the connection unusable.
func (c *Client) Broken() bool { return c.broken }

// Login sends 93 Login; it must be the first message on a connection.
func (c *Client) Login(ctx context.Context, user, password, location string) error {
	req := Message{ID: "93", Fixed: "00", Fields: []Field{
		{"CN", user}, {"CO", password}, {"CP", location},
	}}
	resp, err := c.Exchange(ctx, req, "94")
	if err != nil {
		return fmt.Errorf("sip2: login as %q: %w", user, err)
	}
	if resp.Fixed != "1" {
		// The server may close after repeated failures; start afresh.
		c.broken = true
		return fmt.Errorf("%w: user %q; check the SIP2 user and password in the configuration", ErrLoginRejected, user)
	}
	return nil
}

// PatronInfo sends 63 Patron Information (no lists asked for), which also
// returns fee and fine information.
func (c *Client) PatronInfo(ctx context.Context, institution, card, pin string) (Patron, error) {
	fixed := "000" + FormatDate(c.opt.Now()) + "          "
	return c.patron(ctx, Message{ID: "63", Fixed: fixed, Fields: patronFields(institution, card, pin)}, "64")
}

// PatronStatus sends 23 Patron Status, the smallest patron check.
func (c *Client) PatronStatus(ctx context.Context, institution, card, pin string) (Patron, error) {
	fixed := "000" + FormatDate(c.opt.Now())
	return c.patron(ctx, Message{ID: "23", Fixed: fixed, Fields: patronFields(institution, card, pin)}, "24")
}

func patronFields(institution, card, pin string) []Field {
	return []Field{{"AO", institution}, {"AA", card}, {"AC", ""}, {"AD", pin}}
}

func (c *Client) patron(ctx context.Context, req Message, want string) (Patron, error) {
	resp, err := c.Exchange(ctx, req, want)
	if err != nil {
		return Patron{}, fmt.Errorf("sip2: patron request %s: %w", req.ID, err)
	}
	p, err := ParsePatron(resp)
	if err != nil {
		return Patron{}, fmt.Errorf("sip2: patron response %s: %w", resp.ID, err)
	}
	return p, nil
}

// Exchange sends req with the next sequence number and a checksum and
// returns the response, which must have message id want. It answers a 96
// by resending req, and an unreadable response (bad checksum, garbled or
// cut short) by sending 97, each at most maxResends times. After any
// error the Client is Broken.
func (c *Client) Exchange(ctx context.Context, req Message, want string) (Message, error) {
	if c.broken {
		return Message{}, ErrClientBroken
	}
	req.Seq, req.Checksum = c.seq, true
	c.seq = (c.seq + 1) % 10

	deadline := time.Now().Add(c.opt.RequestTimeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	if err := c.conn.SetDeadline(deadline); err != nil {
		c.broken = true
		return Message{}, fmt.Errorf("sip2: set deadline: %w", err)
	}
	// A cancelled context interrupts a blocked read or write at once.
	stop := context.AfterFunc(ctx, func() { c.conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	resp, err := c.exchange(req, want)
	if err != nil {
		c.broken = true
		if ctx.Err() != nil {
			return Message{}, fmt.Errorf("sip2: %w: %w", context.Cause(ctx), err)
		}
		return Message{}, err
	}
	return resp, nil
}

func (c *Client) exchange(req Message, want string) (Message, error) {
	frame := req.Encode()
	if err := c.write(frame); err != nil {
		return Message{}, err
	}
	resends, unreadable, asked := 0, 0, false
	for {
		resp, err := c.read()
		var bad *unreadableError
		switch {
		case errors.As(err, &bad):
			if unreadable++; unreadable > maxResends {
				return Message{}, fmt.Errorf("%w: %d responses to %s could not be read: %w", ErrResendLimit, unreadable, req.ID, err)
			}
			c.opt.Logger.Warn("sip2: response unreadable, asking for resend", "request", req.ID, "attempt", unreadable, "err", err)
			asked = true
			err = c.write(Message{ID: "97", Seq: -1, Checksum: true}.Encode())
		case err != nil:
			return Message{}, err
		case resp.ID == "96":
			if resends++; resends > maxResends {
				return Message{}, fmt.Errorf("%w: server asked %d times to resend %s", ErrResendLimit, resends, req.ID)
			}
			c.opt.Logger.Warn("sip2: server asked for resend", "request", req.ID, "attempt", resends)
			err = c.write(frame)
		default:
			return resp, checkResponse(req, resp, want, asked)
		}
		if err != nil {
			return Message{}, err
		}
	}
}

// checkResponse makes sure resp answers req. A server repeating a
// response after 97 may renumber it 0, as Evergreen does.
func checkResponse(req, resp Message, want string, asked bool) error {
	if resp.ID != want {
		return fmt.Errorf("%w: sent %s, want %s, got %s", ErrUnexpected, req.ID, want, resp.ID)
	}
	if resp.Seq >= 0 && resp.Seq != req.Seq && !(asked && resp.Seq == 0) {
		return fmt.Errorf("%w: sent %s with sequence %d, answer has sequence %d", ErrUnexpected, req.ID, req.Seq, resp.Seq)
	}
	return nil
}

func (c *Client) write(frame []byte) error {
	if _, err := c.conn.Write(frame); err != nil {
		return c.ioError("send", err)
	}
	return nil
}

func (c *Client) read() (Message, error) {
	frame, err := ReadFrame(c.r)
	if err != nil {
		return Message{}, c.ioError("read response", err)
	}
	m, err := Parse(frame)
	if err != nil {
		return m, &unreadableError{fmt.Errorf("sip2: read response (%d bytes): %w", len(frame), err)}
	}
	return m, nil
}

// unreadableError marks a whole frame that failed to decode: a bad
// checksum, or bytes garbled or cut short on the way. Asking for the
// response again (97) may help, unlike after a connection error.
type unreadableError struct{ err error }

func (e *unreadableError) Error() string { return e.err.Error() }
func (e *unreadableError) Unwrap() error { return e.err }

// ioError sorts a connection error into ErrTimeout or ErrConnClosed so
// callers can tell them apart.
func (c *Client) ioError(op string, err error) error {
	addr := c.conn.RemoteAddr()
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded):
		return fmt.Errorf("%w: %s from %s: %w", ErrTimeout, op, addr, err)
	case errors.Is(err, io.EOF), errors.Is(err, net.ErrClosed), isReset(err):
		return fmt.Errorf("%w: %s from %s: %w", ErrConnClosed, op, addr, err)
	}
	return fmt.Errorf("sip2: %s from %s: %w", op, addr, err)
}

func isReset(err error) bool {
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNABORTED)
}
