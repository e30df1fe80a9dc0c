package sip2_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"piste/fleet/sip2"
	"piste/testing/sip2server"
)

// testPatrons are the reference patrons plus the kinds Piste must refuse.
func testPatrons() []sip2server.Patron {
	return append(sip2server.ReferencePatrons(),
		sip2server.Patron{ID: "lost", PIN: "1234", Name: "Lost Card", Flags: []string{"card reported lost"}},
		sip2server.Patron{ID: "denied", PIN: "1234", Name: "No Charge", Flags: []string{"charge_privileges_denied"}},
		sip2server.Patron{ID: "owes", PIN: "1234", Name: "Owes Money", FeeAmount: "12.50", Currency: "EUR"},
		sip2server.Patron{ID: "card1", PIN: "1234", Name: "Ordinary One", Expires: "20301231"},
	)
}

func startServer(t testing.TB, cfg sip2server.Config) *sip2server.Server {
	t.Helper()
	if cfg.Patrons == nil {
		cfg.Patrons = testPatrons()
	}
	srv, err := sip2server.New(cfg)
	require.NoError(t, err)
	require.NoError(t, srv.Listen("127.0.0.1:0"))
	t.Cleanup(func() { srv.Close() })
	return srv
}

func poolConfig(addr string) sip2.Config {
	return sip2.Config{
		Addr: addr, User: "scclient", Password: "clientpwd", Institution: "UWOLS", Location: "circ",
		Size: 4, DialTimeout: 2 * time.Second, RequestTimeout: 2 * time.Second,
	}
}

func newPool(t testing.TB, cfg sip2.Config) *sip2.Pool {
	t.Helper()
	p, err := sip2.NewPool(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { p.Close() })
	return p
}

func TestAuthenticateAndDecide(t *testing.T) {
	tests := []struct {
		name, card, pin string
		want            error
		contains        string
	}{
		{name: "valid card and PIN", card: "djfiander", pin: "6789"},
		{name: "second reference patron", card: "miker", pin: "6789"},
		{name: "wrong PIN", card: "djfiander", pin: "1234", want: sip2.ErrWrongPIN},
		{name: "empty PIN", card: "djfiander", pin: "", want: sip2.ErrWrongPIN},
		{name: "unknown card", card: "nobody", pin: "6789", want: sip2.ErrUnknownPatron},
		{name: "card with spaces is another card", card: "djfiander ", pin: "6789", want: sip2.ErrUnknownPatron},
		{name: "card reported lost", card: "lost", pin: "1234", want: sip2.ErrBlocked, contains: "card reported lost"},
		{name: "charge privileges denied", card: "denied", pin: "1234", want: sip2.ErrBlocked, contains: "charge privileges denied"},
		{name: "fees over limit", card: "owes", pin: "1234", want: sip2.ErrFeesOverLimit, contains: "12.50 EUR"},
	}
	srv := startServer(t, sip2server.Config{})
	for _, mode := range []struct {
		name      string
		useStatus bool
	}{{"63 patron info", false}, {"23 patron status", true}} {
		cfg := poolConfig(srv.Addr())
		cfg.UsePatronStatus = mode.useStatus
		pool := newPool(t, cfg)
		for _, tc := range tests {
			t.Run(mode.name+"/"+tc.name, func(t *testing.T) {
				patron, err := pool.Authenticate(context.Background(), tc.card, tc.pin)
				require.NoError(t, err)
				err = sip2.Decide(patron, 10)
				if tc.want == nil {
					assert.NoError(t, err)
					return
				}
				assert.ErrorIs(t, err, tc.want)
				assert.ErrorContains(t, err, tc.contains)
			})
		}
	}
}

func TestAuthenticateReadsPatronDetails(t *testing.T) {
	srv := startServer(t, sip2server.Config{})
	pool := newPool(t, poolConfig(srv.Addr()))
	p, err := pool.Authenticate(context.Background(), "djfiander", "6789")
	require.NoError(t, err)
	assert.True(t, p.Valid)
	assert.True(t, p.PINValid)
	assert.Equal(t, "David J. Fiander", p.Name)
	assert.Equal(t, 1, p.FineItems)
	assert.True(t, p.StatusFlags.RecallPrivilegesDenied)
	assert.Equal(t, time.Date(2050, 12, 31, 0, 0, 0, 0, time.UTC), p.Expires)

	p, err = pool.Authenticate(context.Background(), "owes", "1234")
	require.NoError(t, err)
	assert.InDelta(t, 12.50, p.FeeAmount, 1e-9)
	assert.Equal(t, "EUR", p.Currency)
}

func TestCredentialsThatCannotBeSent(t *testing.T) {
	srv := startServer(t, sip2server.Config{})
	pool := newPool(t, poolConfig(srv.Addr()))
	_, err := pool.Authenticate(context.Background(), "a|b", "1")
	assert.ErrorIs(t, err, sip2.ErrUnknownPatron)
	_, err = pool.Authenticate(context.Background(), "", "1")
	assert.ErrorIs(t, err, sip2.ErrUnknownPatron)
	_, err = pool.Authenticate(context.Background(), "djfiander", "67\r89")
	assert.ErrorIs(t, err, sip2.ErrWrongPIN)
	assert.Equal(t, 0, srv.Accepted(), "nothing is sent for such input")
}

func TestFailures(t *testing.T) {
	tests := []struct {
		name   string
		faults sip2server.Faults
		want   error // besides ErrUnavailable
	}{
		{name: "server never answers", faults: sip2server.Faults{Silent: true}, want: sip2.ErrTimeout},
		{name: "server answers too late", faults: sip2server.Faults{Delay: 2 * time.Second}, want: sip2.ErrTimeout},
		{name: "garbage answer", faults: sip2server.Faults{Garbage: true}, want: sip2.ErrMalformed},
		{name: "truncated answer", faults: sip2server.Faults{Truncate: true}, want: sip2.ErrTruncated},
		{name: "server hangs up", faults: sip2server.Faults{Hangup: true}, want: sip2.ErrConnClosed},
		{name: "every checksum wrong", faults: sip2server.Faults{CorruptChecksums: -1}, want: sip2.ErrChecksum},
		{name: "endless resend requests", faults: sip2server.Faults{RequestResends: 100}, want: sip2.ErrResendLimit},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := startServer(t, sip2server.Config{})
			cfg := poolConfig(srv.Addr())
			cfg.RequestTimeout = 300 * time.Millisecond
			pool := newPool(t, cfg)
			// Warm up so the fault hits the patron request, not the login.
			_, err := pool.Authenticate(context.Background(), "djfiander", "6789")
			require.NoError(t, err)

			srv.SetFaults(tc.faults)
			_, err = pool.Authenticate(context.Background(), "djfiander", "6789")
			require.Error(t, err)
			assert.ErrorIs(t, err, sip2.ErrUnavailable)
			assert.ErrorIs(t, err, tc.want)

			srv.SetFaults(sip2server.Faults{})
			_, err = pool.Authenticate(context.Background(), "djfiander", "6789")
			assert.NoError(t, err, "the pool works again once the server does")
		})
	}
}

func TestRecoverableFaults(t *testing.T) {
	tests := []struct {
		name   string
		faults sip2server.Faults
	}{
		{name: "one bad checksum is asked again with 97", faults: sip2server.Faults{CorruptChecksums: 1}},
		{name: "two bad checksums", faults: sip2server.Faults{CorruptChecksums: 2}},
		{name: "one 96 is answered by resending", faults: sip2server.Faults{RequestResends: 1}},
		{name: "a short delay", faults: sip2server.Faults{Delay: 20 * time.Millisecond}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := startServer(t, sip2server.Config{})
			pool := newPool(t, poolConfig(srv.Addr()))
			srv.SetFaults(tc.faults)
			p, err := pool.Authenticate(context.Background(), "djfiander", "6789")
			require.NoError(t, err)
			assert.NoError(t, sip2.Decide(p, 10))
		})
	}
}

func TestLoginAndDialFailures(t *testing.T) {
	srv := startServer(t, sip2server.Config{})
	cfg := poolConfig(srv.Addr())
	cfg.Password = "wrong"
	_, err := newPool(t, cfg).Authenticate(context.Background(), "djfiander", "6789")
	assert.ErrorIs(t, err, sip2.ErrUnavailable)
	assert.ErrorIs(t, err, sip2.ErrLoginRejected)
	assert.ErrorContains(t, err, "check the SIP2 user and password")

	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closedAddr := l.Addr().String()
	l.Close()
	_, err = newPool(t, poolConfig(closedAddr)).Authenticate(context.Background(), "djfiander", "6789")
	assert.ErrorIs(t, err, sip2.ErrUnavailable)
	assert.ErrorContains(t, err, closedAddr)
}

func TestContextCancelStopsWaiting(t *testing.T) {
	srv := startServer(t, sip2server.Config{})
	cfg := poolConfig(srv.Addr())
	cfg.RequestTimeout = time.Minute
	pool := newPool(t, cfg)
	_, err := pool.Authenticate(context.Background(), "djfiander", "6789")
	require.NoError(t, err)
	srv.SetFaults(sip2server.Faults{Silent: true})

	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	_, err = pool.Authenticate(ctx, "djfiander", "6789")
	assert.ErrorIs(t, err, sip2.ErrUnavailable)
	assert.ErrorIs(t, err, context.Canceled)
}

// A library system that hangs holds every connection; the requests queued
// behind them give up after WaitTimeout instead of waiting without end.
func TestWaitForConnectionIsBounded(t *testing.T) {
	srv := startServer(t, sip2server.Config{})
	cfg := poolConfig(srv.Addr())
	cfg.Size, cfg.RequestTimeout, cfg.WaitTimeout = 1, time.Minute, 100*time.Millisecond
	pool := newPool(t, cfg)
	_, err := pool.Authenticate(context.Background(), "djfiander", "6789")
	require.NoError(t, err)
	srv.SetFaults(sip2server.Faults{Silent: true})

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	held := make(chan error, 1)
	go func() { // a visitor's request that hangs, tried again until it holds the connection
		for {
			_, err := pool.Authenticate(ctx, "djfiander", "6789")
			if ctx.Err() != nil {
				held <- err
				return
			}
		}
	}()
	// Until the hung request holds the one connection, a probe may take it
	// and hang itself: its own short deadline ends that.
	require.Eventually(t, func() bool {
		probe, stop := context.WithTimeout(context.Background(), time.Second)
		defer stop()
		_, err := pool.Authenticate(probe, "djfiander", "6789")
		return errors.Is(err, sip2.ErrBusy)
	}, 20*time.Second, 10*time.Millisecond)
	_, err = pool.Authenticate(context.Background(), "djfiander", "6789")
	assert.ErrorIs(t, err, sip2.ErrUnavailable)
	assert.ErrorIs(t, err, sip2.ErrBusy)
	assert.ErrorContains(t, err, "1 in use for 100ms")

	cancel()
	assert.ErrorIs(t, <-held, context.Canceled)
}

func TestPoolReusesAndRecovers(t *testing.T) {
	srv := startServer(t, sip2server.Config{})
	pool := newPool(t, poolConfig(srv.Addr()))
	for range 10 {
		_, err := pool.Authenticate(context.Background(), "djfiander", "6789")
		require.NoError(t, err)
	}
	assert.Equal(t, 1, srv.Accepted(), "sequential calls share one connection")

	require.Equal(t, 1, srv.DropConnections())
	p, err := pool.Authenticate(context.Background(), "djfiander", "6789")
	require.NoError(t, err, "a dropped idle connection is replaced")
	assert.True(t, p.PINValid)
	assert.Equal(t, 2, srv.Accepted())

	require.NoError(t, pool.Close())
	_, err = pool.Authenticate(context.Background(), "djfiander", "6789")
	assert.ErrorIs(t, err, sip2.ErrUnavailable)
	assert.ErrorIs(t, err, sip2.ErrPoolClosed)
}

func TestConcurrentAuthenticate(t *testing.T) {
	srv := startServer(t, sip2server.Config{})
	cfg := poolConfig(srv.Addr())
	cfg.Size = 8
	pool := newPool(t, cfg)
	cases := []struct {
		card, pin string
		want      error
	}{
		{"djfiander", "6789", nil}, {"miker", "0000", sip2.ErrWrongPIN},
		{"nobody", "1", sip2.ErrUnknownPatron}, {"lost", "1234", sip2.ErrBlocked},
		{"owes", "1234", sip2.ErrFeesOverLimit}, {"card1", "1234", nil},
	}
	var wg sync.WaitGroup
	errs := make([]error, 100)
	for i := range 100 {
		wg.Go(func() {
			c := cases[i%len(cases)]
			p, err := pool.Authenticate(context.Background(), c.card, c.pin)
			if err != nil {
				errs[i] = err
				return
			}
			if got := sip2.Decide(p, 10); !errors.Is(got, c.want) || (c.want == nil) != (got == nil) {
				errs[i] = fmt.Errorf("card %s: got %v, want %v", c.card, got, c.want)
			}
		})
	}
	wg.Wait()
	for i, err := range errs {
		assert.NoError(t, err, "call %d", i)
	}
	assert.LessOrEqual(t, srv.Accepted(), 8, "never more connections than Size")

	srv.DropConnections()
	for i := range 20 {
		wg.Go(func() {
			_, errs[i] = pool.Authenticate(context.Background(), "djfiander", "6789")
		})
	}
	wg.Wait()
	for i, err := range errs[:20] {
		assert.NoError(t, err, "call %d after the drop", i)
	}
}

// TestPINNeverShown runs every path with a recognisable PIN and login
// password and looks for them in errors, logs and String output.
func TestPINNeverShown(t *testing.T) {
	const pin, password = "7Q9PINXZ", "LOGINPWXZ"
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv := startServer(t, sip2server.Config{Password: password, User: "scclient", Logger: logger})
	cfg := poolConfig(srv.Addr())
	cfg.Password, cfg.Logger, cfg.RequestTimeout = password, logger, 200*time.Millisecond
	pool := newPool(t, cfg)
	logger.Info("config", "sip2", cfg)

	var shown []string
	record := func(p sip2.Patron, err error) {
		shown = append(shown, p.String(), fmt.Sprintf("%v %+v %#v", p, p, p))
		if err != nil {
			shown = append(shown, err.Error(), fmt.Sprintf("%+v %#v", err, err))
		}
		if err == nil {
			if d := sip2.Decide(p, 0); d != nil {
				shown = append(shown, d.Error())
			}
		}
	}
	for _, card := range []string{"djfiander", "nobody", "lost", "owes"} {
		record(pool.Authenticate(context.Background(), card, pin))
	}
	for _, f := range []sip2server.Faults{
		{Garbage: true}, {Truncate: true}, {CorruptChecksums: -1}, {RequestResends: 10}, {Silent: true}, {Hangup: true},
	} {
		srv.SetFaults(f)
		record(pool.Authenticate(context.Background(), "djfiander", pin))
	}
	srv.SetFaults(sip2server.Faults{})
	bad := cfg
	bad.Password = password + "2"
	record(newPool(t, bad).Authenticate(context.Background(), "djfiander", pin))
	shown = append(shown, cfg.String(), fmt.Sprintf("%v %+v %#v", cfg, cfg, cfg), logs.String())

	require.Greater(t, len(shown), 20)
	require.Contains(t, logs.String(), "resend", "the retries were logged, so the logs were looked at")
	for _, s := range shown {
		assert.NotContains(t, s, pin)
		assert.NotContains(t, s, password)
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		edit func(*sip2.Config)
		key  string
	}{
		{"no address", func(c *sip2.Config) { c.Addr = "" }, "sip2.addr"},
		{"no user", func(c *sip2.Config) { c.User = " " }, "sip2.user"},
		{"no institution", func(c *sip2.Config) { c.Institution = "" }, "sip2.institution"},
		{"pipe in password", func(c *sip2.Config) { c.Password = "a|b" }, "sip2.password"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := poolConfig("127.0.0.1:1")
			tc.edit(&cfg)
			_, err := sip2.NewPool(cfg)
			assert.ErrorContains(t, err, tc.key)
		})
	}
}

func BenchmarkAuthenticateParallel(b *testing.B) {
	srv := startServer(b, sip2server.Config{})
	cfg := poolConfig(srv.Addr())
	cfg.Size = 8
	pool := newPool(b, cfg)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			p, err := pool.Authenticate(context.Background(), "djfiander", "6789")
			if err != nil || !p.PINValid {
				b.Errorf("authenticate: %v %v", p, err)
				return
			}
		}
	})
}
