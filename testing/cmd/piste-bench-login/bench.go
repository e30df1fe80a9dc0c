package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

type config struct {
	fleet, sip2         string
	terminals, cards    int
	concurrency, logins int
	sip2Conns           int
	staffFlood          int
	duration            time.Duration
}

// run starts the SIP2 test server and the fleet, enrolls terminals and
// measures logins.
func run(ctx context.Context, c config, out io.Writer) error {
	dir, err := os.MkdirTemp("", "piste-bench-login-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	patrons := filepath.Join(dir, "patrons.json")
	if err := writePatrons(patrons, c.cards); err != nil {
		return err
	}
	sip2, sip2Addr, err := startAndWait(ctx, "sip2 test server listening on ", c.sip2, "--addr", "127.0.0.1:0", "--patrons", patrons)
	if err != nil {
		return err
	}
	defer stopProc(sip2)

	data := filepath.Join(dir, "fleet")
	code, err := prepareFleet(c, data, dir)
	if err != nil {
		return err
	}
	addr, err := freeAddr()
	if err != nil {
		return err
	}
	loginFile := filepath.Join(dir, "sip2-login")
	if err := os.WriteFile(loginFile, []byte("scclient:clientpwd\n"), 0o600); err != nil {
		return err
	}
	fleet, _, err := startAndWait(ctx, "serving on ", c.fleet, "serve", "--data", data, "--addr", addr,
		"--sip2", sip2Addr, "--sip2-login-file", loginFile, "--sip2-institution", "UWOLS",
		"--sip2-connections", fmt.Sprint(c.sip2Conns),
		// The bench measures the login path at full load; the card-check
		// limits would refuse most of it, and have tests of their own.
		"--card-checks-per-terminal", "0", "--card-checks-per-second", "0")
	if err != nil {
		return err
	}
	defer stopProc(fleet)

	base := "http://" + addr
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: c.concurrency, MaxConnsPerHost: 0}, Timeout: 30 * time.Second}
	tokens, err := enroll(client, base, code, c.terminals)
	if err != nil {
		return err
	}
	res := fire(ctx, client, base, tokens, c)
	err = report(out, res, c)
	if c.staffFlood > 0 {
		err = errors.Join(err, staffFlood(out, base, fleet.Process.Pid, c.staffFlood))
	}
	return err
}

func writePatrons(path string, n int) error {
	type patron struct {
		ID       string `json:"id"`
		PIN      string `json:"pin"`
		Name     string `json:"name"`
		Internet bool   `json:"internet"`
	}
	list := make([]patron, n)
	for i := range list {
		list[i] = patron{ID: card(i), PIN: "1234", Name: fmt.Sprintf("Bench %d", i), Internet: true}
	}
	raw, err := json.Marshal(map[string]any{"patrons": list})
	if err != nil {
		return err
	}
	return os.WriteFile(path, raw, 0o600)
}

func card(i int) string { return fmt.Sprintf("3%07d", i) }

// prepareFleet makes a branch, a policy that lets each card log in many
// times a day (one-minute sessions), and an enrollment code.
func prepareFleet(c config, data, dir string) (string, error) {
	policy := filepath.Join(dir, "policy.yaml")
	text := "session:\n  max_minutes: 2\n  warn_minutes: [1]\n  walkup_minutes: 2\n  daily_minutes: 1440\n  end_before_closing_minutes: 0\n"
	if err := os.WriteFile(policy, []byte(text), 0o600); err != nil {
		return "", err
	}
	user := exec.Command(c.fleet, "user", "add", "--data", data, "--name", "admin", "--role", "admin")
	user.Stdin = strings.NewReader(staffPassword + "\n")
	if out, err := user.CombinedOutput(); err != nil {
		return "", fmt.Errorf("piste-fleet user add: %v: %s", err, out)
	}
	for _, args := range [][]string{
		{"branch", "add", "--data", data, "--id", "bench", "--name", "Bench"},
		{"policy", "apply", "--data", data, "--scope", "fleet", policy},
	} {
		if out, err := exec.Command(c.fleet, args...).CombinedOutput(); err != nil {
			return "", fmt.Errorf("piste-fleet %s: %v: %s", args[0], err, out)
		}
	}
	out, err := exec.Command(c.fleet, "enroll-code", "--data", data, "--branch", "bench", "--uses", fmt.Sprint(c.terminals)).Output()
	if err != nil {
		return "", fmt.Errorf("piste-fleet enroll-code: %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}

// startAndWait starts a process and waits for the line starting with
// prefix on its stdout, returning the rest of that line's first word.
func startAndWait(ctx context.Context, prefix, name string, args ...string) (*exec.Cmd, string, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stderr = io.Discard
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, "", err
	}
	if err := cmd.Start(); err != nil {
		return nil, "", fmt.Errorf("start %s: %w", name, err)
	}
	lines := bufio.NewScanner(stdout)
	found := make(chan string, 1)
	go func() {
		for lines.Scan() {
			if _, rest, ok := strings.Cut(lines.Text(), prefix); ok {
				found <- strings.Fields(rest + " ")[0]
				break
			}
		}
		io.Copy(io.Discard, stdout)
	}()
	select {
	case v := <-found:
		v = strings.TrimPrefix(v, "http://")
		return cmd, v, nil
	case <-time.After(20 * time.Second):
		stopProc(cmd)
		return nil, "", fmt.Errorf("%s did not print %q within 20s", name, prefix)
	}
}

func stopProc(cmd *exec.Cmd) {
	cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		<-done
	}
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// enroll joins n terminals with raw HTTP, as an agent would.
func enroll(client *http.Client, base, code string, n int) ([]string, error) {
	tokens := make([]string, n)
	for i := range tokens {
		body := fmt.Sprintf(`{"code":%q,"name":"bench-%d","kind":"pc"}`, code, i)
		resp, err := client.Post(base+"/api/v1/enroll", "application/json", strings.NewReader(body))
		if err != nil {
			return nil, fmt.Errorf("enroll: %w", err)
		}
		var out struct{ Token string }
		err = json.NewDecoder(resp.Body).Decode(&out)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 201 {
			return nil, fmt.Errorf("enroll terminal %d: status %d", i, resp.StatusCode)
		}
		tokens[i] = out.Token
	}
	return tokens, nil
}

type results struct {
	latencies []time.Duration
	failures  map[string]int
	elapsed   time.Duration
}

// fire runs logins from c.concurrency workers until the duration or count
// is reached.
func fire(ctx context.Context, client *http.Client, base string, tokens []string, c config) results {
	var next atomic.Int64
	deadline := time.Now().Add(c.duration)
	var mu sync.Mutex
	res := results{failures: map[string]int{}}
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < c.concurrency; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if c.logins > 0 && i >= c.logins || c.logins == 0 && time.Now().After(deadline) {
					break
				}
				d, fail := login(client, base, tokens[i%len(tokens)], card(i%c.cards))
				if fail != "" {
					mu.Lock()
					res.failures[fail]++
					mu.Unlock()
					continue
				}
				mine = append(mine, d)
			}
			mu.Lock()
			res.latencies = append(res.latencies, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	return res
}

func login(client *http.Client, base, token, card string) (time.Duration, string) {
	body := fmt.Sprintf(`{"card":%q,"pin":"1234"}`, card)
	req, _ := http.NewRequest("POST", base+"/api/v1/agent/login", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return 0, "transport"
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	d := time.Since(start)
	if resp.StatusCode != 200 {
		var ref struct {
			Refusal struct{ Code string } `json:"refusal"`
		}
		json.Unmarshal(raw, &ref)
		return d, fmt.Sprintf("%d %s", resp.StatusCode, ref.Refusal.Code)
	}
	if !bytes.Contains(raw, []byte(`"session_id"`)) {
		return d, "no session id"
	}
	return d, ""
}

func report(out io.Writer, res results, c config) error {
	if len(res.latencies) == 0 {
		return fmt.Errorf("no login succeeded; failures: %v", res.failures)
	}
	slices.Sort(res.latencies)
	pct := func(p float64) float64 {
		i := int(p * float64(len(res.latencies)-1))
		return float64(res.latencies[i].Microseconds()) / 1000
	}
	fmt.Fprintf(out, "logins %d ok, %d failed %v, %d terminals, concurrency %d, %.1fs\n",
		len(res.latencies), total(res.failures), res.failures, c.terminals, c.concurrency, res.elapsed.Seconds())
	fmt.Fprintf(out, "BENCH login_p50_ms %.2f ms\n", pct(0.50))
	fmt.Fprintf(out, "BENCH login_p99_ms %.2f ms\n", pct(0.99))
	fmt.Fprintf(out, "BENCH logins_per_second %.0f\n", float64(len(res.latencies))/res.elapsed.Seconds())
	if total(res.failures) > 0 {
		return fmt.Errorf("%d logins failed: %v", total(res.failures), res.failures)
	}
	return nil
}

func total(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}
