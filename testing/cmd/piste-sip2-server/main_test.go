package main

import (
	"bufio"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"piste/fleet/sip2"
)

const prefix = "sip2 test server listening on "

// TestMain lets the test binary run as the real command, so the signal
// handling is tested on a real process without a separate build.
func TestMain(m *testing.M) {
	if os.Getenv("PISTE_SIP2_SERVER_RUN_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func authenticate(t *testing.T, addr, user, pass, card, pin string) (sip2.Patron, error) {
	t.Helper()
	pool, err := sip2.NewPool(sip2.Config{Addr: addr, User: user, Password: pass, Institution: "UWOLS",
		Location: "circ", RequestTimeout: 2 * time.Second})
	require.NoError(t, err)
	defer pool.Close()
	return pool.Authenticate(context.Background(), card, pin)
}

func TestProcessServesDemoPatronsAndStopsOnSignal(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "--addr", "127.0.0.1:0")
			cmd.Env = append(os.Environ(), "PISTE_SIP2_SERVER_RUN_MAIN=1")
			stdout, err := cmd.StdoutPipe()
			require.NoError(t, err)
			require.NoError(t, cmd.Start())
			t.Cleanup(func() { cmd.Process.Kill() })

			line, err := bufio.NewReader(stdout).ReadString('\n')
			require.NoError(t, err)
			require.True(t, strings.HasPrefix(line, prefix), "first line %q", line)
			addr := strings.TrimSpace(strings.TrimPrefix(line, prefix))

			p, err := authenticate(t, addr, "scclient", "clientpwd", "20000005", "1234")
			require.NoError(t, err)
			assert.ErrorIs(t, sip2.Decide(p, 10), sip2.ErrFeesOverLimit)
			p, err = authenticate(t, addr, "scclient", "clientpwd", "20000004", "1234")
			require.NoError(t, err)
			assert.ErrorIs(t, sip2.Decide(p, 10), sip2.ErrBlocked)
			for _, card := range []string{"20000001", "20000002", "20000003"} {
				p, err = authenticate(t, addr, "scclient", "clientpwd", card, "1234")
				require.NoError(t, err)
				assert.NoError(t, sip2.Decide(p, 10), card)
			}

			require.NoError(t, cmd.Process.Signal(sig))
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case err := <-done:
				assert.NoError(t, err, "clean exit")
			case <-time.After(10 * time.Second):
				t.Fatal("server did not stop on " + sig.String())
			}
		})
	}
}

func TestRunWithPatronsFileAndLogin(t *testing.T) {
	file := filepath.Join(t.TempDir(), "patrons.json")
	require.NoError(t, os.WriteFile(file, []byte(`{"patrons": [
		{"id": "30000001", "pin": "4321", "name": "Test Person"},
		{"id": "20000001", "pin": "9999", "name": "Replaced"},
		{"id": "30000002", "pin": "4321", "flags": ["excessive outstanding fines"]}
	]}`), 0o600))

	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"--addr", "127.0.0.1:0", "--patrons", file, "--login", "kiosk:s3cret", "--institution", "HELMET"}, pw)
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	require.NoError(t, err)
	addr := strings.TrimSpace(strings.TrimPrefix(line, prefix))

	tests := []struct {
		card, pin string
		want      error
	}{
		{"30000001", "4321", nil},
		{"20000001", "9999", nil},
		{"20000001", "1234", sip2.ErrWrongPIN},
		{"30000002", "4321", sip2.ErrBlocked},
		{"djfiander", "6789", nil},
	}
	for _, tc := range tests {
		p, err := authenticate(t, addr, "kiosk", "s3cret", tc.card, tc.pin)
		require.NoError(t, err, tc.card)
		assert.ErrorIs(t, sip2.Decide(p, 10), tc.want, tc.card)
	}
	_, err = authenticate(t, addr, "scclient", "clientpwd", "30000001", "4321")
	assert.ErrorIs(t, err, sip2.ErrLoginRejected, "only the --login account may log in")

	cancel()
	assert.NoError(t, <-done)
}

func TestBadFlags(t *testing.T) {
	dir := t.TempDir()
	badJSON := filepath.Join(dir, "bad.json")
	require.NoError(t, os.WriteFile(badJSON, []byte(`{"patrons": [`), 0o600))
	badFlag := filepath.Join(dir, "flag.json")
	require.NoError(t, os.WriteFile(badFlag, []byte(`{"patrons": [{"id": "1", "flags": ["banned"]}]}`), 0o600))
	noID := filepath.Join(dir, "noid.json")
	require.NoError(t, os.WriteFile(noID, []byte(`{"patrons": [{"pin": "1"}]}`), 0o600))

	tests := []struct {
		name string
		args []string
		want string
	}{
		{"login without colon", []string{"--login", "scclient"}, "--login must be USER:PASSWORD"},
		{"missing patrons file", []string{"--patrons", filepath.Join(dir, "none.json")}, "--patrons"},
		{"broken JSON", []string{"--patrons", badJSON}, "bad.json"},
		{"unknown status flag", []string{"--patrons", badFlag}, `"banned"`},
		{"patron without id", []string{"--patrons", noID}, `no "id"`},
		{"unknown flag", []string{"--port", "1"}, "port"},
		{"negative delay", []string{"--delay", "-1s"}, "--delay must not be negative"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := run(context.Background(), append([]string{"--addr", "127.0.0.1:0"}, tc.args...), io.Discard)
			assert.ErrorContains(t, err, tc.want)
		})
	}
}

// --silent and --delay make the server a hung or slow library system: a
// client that waits less than the delay gets a timeout.
func TestSilentAndSlow(t *testing.T) {
	for _, args := range [][]string{{"--silent"}, {"--delay", "1m"}} {
		t.Run(args[0], func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			pr, pw := io.Pipe()
			done := make(chan error, 1)
			go func() { done <- run(ctx, append([]string{"--addr", "127.0.0.1:0"}, args...), pw) }()
			line, err := bufio.NewReader(pr).ReadString('\n')
			require.NoError(t, err)
			addr := strings.TrimSpace(strings.TrimPrefix(line, prefix))

			pool, err := sip2.NewPool(sip2.Config{Addr: addr, User: "scclient", Password: "clientpwd", Institution: "UWOLS",
				DialTimeout: 200 * time.Millisecond, RequestTimeout: 200 * time.Millisecond})
			require.NoError(t, err)
			defer pool.Close()
			_, err = pool.Authenticate(context.Background(), "20000001", "1234")
			assert.ErrorIs(t, err, sip2.ErrUnavailable)
			assert.ErrorIs(t, err, sip2.ErrTimeout)

			cancel()
			assert.NoError(t, <-done)
		})
	}
}
