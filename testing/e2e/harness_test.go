// Package e2e tests Piste through its real binaries over real sockets:
// piste-fleet and piste-agent are built once and run as processes.
package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var binDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "piste-e2e-bin-")
	if err != nil {
		panic(err)
	}
	binDir = dir
	cmd := exec.Command("go", "build", "-o", dir+"/", "piste/fleet/cmd/piste-fleet", "piste/agent/cmd/piste-agent", "piste/testing/cmd/piste-sip2-server")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: build binaries:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func bin(name string) string { return filepath.Join(binDir, name) }

// freeAddr returns a loopback address nobody listens on.
func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().String()
}

// run runs a command to completion and returns stdout; it fails the test
// unless the exit code is wantCode.
func run(t *testing.T, stdin string, wantCode int, name string, args ...string) (string, string) {
	t.Helper()
	cmd := exec.Command(bin(name), args...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else {
		require.NoError(t, err)
	}
	require.Equalf(t, wantCode, code, "%s %v: stdout %q stderr %q", name, args, out.String(), errb.String())
	return out.String(), errb.String()
}

// proc is a background process with its output kept for failure reports.
type proc struct {
	cmd  *exec.Cmd
	mu   sync.Mutex
	out  bytes.Buffer
	done chan struct{}
}

func (p *proc) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.Write(b)
}

func (p *proc) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

func start(t *testing.T, name string, args ...string) *proc {
	t.Helper()
	p := &proc{cmd: exec.Command(bin(name), args...), done: make(chan struct{})}
	p.cmd.Stdout, p.cmd.Stderr = p, p
	require.NoError(t, p.cmd.Start())
	go func() { p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		p.stop(syscall.SIGTERM)
		if t.Failed() {
			t.Logf("%s output:\n%s", name, p.output())
		}
	})
	return p
}

// stop signals the process and waits for it to exit.
func (p *proc) stop(sig syscall.Signal) {
	select {
	case <-p.done:
		return
	default:
	}
	p.cmd.Process.Signal(sig)
	select {
	case <-p.done:
	case <-time.After(15 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
	}
}

// fleet is a piste-fleet serve process and its data dir.
type fleet struct {
	t     *testing.T
	data  string
	addr  string
	url   string
	proc  *proc
	token string
}

const adminPassword = "correct horse battery"

// newFleet prepares a data dir with two branches and an admin, and serves it.
func newFleet(t *testing.T, extra ...string) *fleet {
	f := &fleet{t: t, data: t.TempDir(), addr: freeAddr(t)}
	f.url = "http://" + f.addr
	run(t, "", 0, "piste-fleet", "branch", "add", "--data", f.data, "--id", "kallio", "--name", "Kallio")
	run(t, "", 0, "piste-fleet", "branch", "add", "--data", f.data, "--id", "oodi", "--name", "Oodi")
	run(t, adminPassword+"\n", 0, "piste-fleet", "user", "add", "--data", f.data, "--name", "admin", "--role", "admin")
	f.serve(extra...)
	f.token = f.login("admin", adminPassword)
	return f
}

func (f *fleet) serve(extra ...string) {
	// Metrics on a free port of their own (the default one may be taken).
	args := append([]string{"serve", "--data", f.data, "--addr", f.addr, "--metrics-addr", "127.0.0.1:0"}, extra...)
	f.proc = start(f.t, "piste-fleet", args...)
	eventually(f.t, 10*time.Second, func() bool {
		resp, err := http.Get(f.url + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	}, "fleet did not become healthy", f.proc.output)
}

// metricsURL is where the fleet serves its metrics, from its start-up line.
func (f *fleet) metricsURL() string {
	var url string
	eventually(f.t, 10*time.Second, func() bool {
		_, rest, ok := strings.Cut(f.proc.output(), "metrics on ")
		url = strings.TrimSpace(strings.SplitN(rest, "\n", 2)[0])
		return ok
	}, "the fleet did not say where its metrics are", f.proc.output)
	return url
}

func (f *fleet) enrollCode(branch string, uses int, ttl string) string {
	out, _ := run(f.t, "", 0, "piste-fleet", "enroll-code", "--data", f.data, "--branch", branch,
		"--uses", fmt.Sprint(uses), "--ttl", ttl)
	return strings.TrimSpace(out)
}

func (f *fleet) login(name, password string) string {
	var reply struct{ Token string }
	status := f.call("POST", "/api/v1/auth/login", "", map[string]string{"name": name, "password": password}, &reply)
	require.Equal(f.t, 200, status)
	require.NotEmpty(f.t, reply.Token)
	return reply.Token
}

// call makes a JSON API call and decodes the answer into out (if not nil).
func (f *fleet) call(method, path, token string, body any, out any) int {
	f.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(f.t, err)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, f.url+path, rd)
	require.NoError(f.t, err)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(f.t, err)
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil {
		require.NoErrorf(f.t, json.Unmarshal(raw, out), "%s %s: %s", method, path, raw)
	}
	return resp.StatusCode
}

type terminalView struct {
	ID           string `json:"id"`
	Name         string `json:"name"`
	Branch       string `json:"branch"`
	Status       string `json:"status"`
	State        string `json:"state"`
	AgentVersion string `json:"agent_version"`
	Health       struct {
		At            time.Time `json:"at"`
		CPUPercent    float64   `json:"cpu_percent"`
		MemUsed       float64   `json:"mem_used_percent"`
		DiskUsed      float64   `json:"disk_used_percent"`
		UptimeSeconds uint64    `json:"uptime_seconds"`
	} `json:"health"`
}

func (f *fleet) terminals() []terminalView {
	var page struct{ Terminals []terminalView }
	require.Equal(f.t, 200, f.call("GET", "/api/v1/terminals?limit=500", f.token, nil, &page))
	return page.Terminals
}

func (f *fleet) terminal(id string) terminalView {
	var tv terminalView
	require.Equal(f.t, 200, f.call("GET", "/api/v1/terminals/"+id, f.token, nil, &tv))
	return tv
}

func (f *fleet) command(id, typ, text, ttl string) string {
	var reply struct{ ID, Status string }
	body := map[string]string{"type": typ, "text": text}
	if ttl != "" {
		body["ttl"] = ttl
	}
	require.Equal(f.t, 202, f.call("POST", "/api/v1/terminals/"+id+"/commands", f.token, body, &reply))
	require.Equal(f.t, "queued", reply.Status)
	return reply.ID
}

func (f *fleet) commandStatus(id string) string {
	var c struct{ Status string }
	require.Equal(f.t, 200, f.call("GET", "/api/v1/commands/"+id, f.token, nil, &c))
	return c.Status
}

// agent is an enrolled piste-agent state dir, and its process when running.
type agent struct {
	t      *testing.T
	state  string
	id     string
	proc   *proc
	config string // the local agent config; "" runs with the default
}

func enrollAgent(t *testing.T, f *fleet, branch, name string) *agent {
	a := &agent{t: t, state: t.TempDir()}
	code := f.enrollCode(branch, 1, "1h")
	out, _ := run(t, code+"\n", 0, "piste-agent", "enroll", "--server", f.url, "--code", "-", "--state", a.state, "--name", name)
	fields := strings.Fields(out) // "enrolled as ID (NAME) in branch B"
	require.GreaterOrEqual(t, len(fields), 3, out)
	a.id = fields[2]
	return a
}

func (a *agent) start() {
	args := []string{"run", "--state", a.state, "--power-dry-run", "-v"}
	if a.config != "" {
		args = append(args, "--config", a.config)
	}
	a.proc = start(a.t, "piste-agent", args...)
}

// tryStatus is ctlStatus for polling: nil while the agent does not answer.
func (a *agent) tryStatus() map[string]any {
	out, err := exec.Command(bin("piste-agent"), "ctl", "--state", a.state, "status").Output()
	if err != nil {
		return nil
	}
	var st map[string]any
	if json.Unmarshal(out, &st) != nil {
		return nil
	}
	return st
}

// linkField reads one field of the status's link, polling-safe.
func (a *agent) linkField(name string) any {
	link, _ := a.tryStatus()["link"].(map[string]any)
	return link[name]
}

// ctlStatus runs piste-agent ctl status and decodes it.
func (a *agent) ctlStatus() map[string]any {
	out, _ := run(a.t, "", 0, "piste-agent", "ctl", "--state", a.state, "status")
	var st map[string]any
	require.NoError(a.t, json.Unmarshal([]byte(out), &st), out)
	return st
}

// eventually polls cond until it holds or the timeout passes. The timeout
// bounds a wait for something that must happen; it asserts no speed.
func eventually(t *testing.T, timeout time.Duration, cond func() bool, what string, detail ...func() string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, d := range detail {
		what += "\n" + d()
	}
	t.Fatal(what)
}

// lines returns the non-empty lines of s.
func lines(s string) []string {
	var out []string
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// runQuiet runs piste-agent ignoring the outcome (for cleanups).
func runQuiet(args ...string) {
	exec.Command(bin("piste-agent"), args...).Run()
}

// clearOfMidnight waits, when the next UTC midnight is less than span away,
// until just after it: a test that counts one visitor day must not have
// its day end halfway through. The test still runs; it only starts later.
func clearOfMidnight(t *testing.T, span time.Duration) {
	t.Helper()
	now := time.Now().UTC()
	midnight := now.Truncate(24 * time.Hour).Add(24 * time.Hour)
	if wait := midnight.Sub(now); wait < span {
		t.Logf("waiting %s for the visitor day to turn", wait.Round(time.Second))
		time.Sleep(wait + 2*time.Second)
	}
}
