// Command piste-bench-fleet measures one fleet server under N simulated
// terminals on this machine and prints lines "BENCH <name> <value> <unit>".
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"piste/testing/sim"
)

func main() {
	fleetBin := flag.String("fleet", "bin/piste-fleet", "piste-fleet binary")
	n := flag.Int("terminals", 10000, "simulated terminals")
	heartbeat := flag.Duration("heartbeat", 30*time.Second, "fleet heartbeat interval")
	steady := flag.Duration("steady", time.Minute, "steady-state window for CPU, RSS and heartbeat latency")
	commands := flag.Int("commands", 300, "commands sent for the round-trip measurement")
	flag.Parse()
	if err := run(*fleetBin, *n, *heartbeat, *steady, *commands); err != nil {
		fmt.Fprintln(os.Stderr, "piste-bench-fleet:", err)
		os.Exit(1)
	}
}

func bench(name string, value float64, unit string) {
	fmt.Printf("BENCH %s %.3f %s\n", name, value, unit)
}

func run(fleetBin string, n int, heartbeat, steady time.Duration, commands int) error {
	data, err := os.MkdirTemp("", "piste-bench-fleet-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(data)
	cli := func(stdin string, args ...string) (string, error) {
		cmd := exec.Command(fleetBin, args...)
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		if err != nil {
			return "", fmt.Errorf("piste-fleet %v: %v: %s", args, err, out)
		}
		return strings.TrimSpace(string(out)), nil
	}
	if _, err := cli("", "branch", "add", "--data", data, "--id", "bench", "--name", "Bench"); err != nil {
		return err
	}
	if _, err := cli("bench-password-1\n", "user", "add", "--data", data, "--name", "admin", "--role", "admin"); err != nil {
		return err
	}
	code, err := cli("", "enroll-code", "--data", data, "--branch", "bench", "--uses", strconv.Itoa(n))
	if err != nil {
		return err
	}
	addr, err := freeAddr()
	if err != nil {
		return err
	}
	fleet := exec.Command(fleetBin, "serve", "--data", data, "--addr", addr, "--heartbeat", heartbeat.String())
	fleet.Stderr = os.Stderr
	if err := fleet.Start(); err != nil {
		return err
	}
	defer func() { fleet.Process.Signal(os.Interrupt); fleet.Wait() }()
	url := "http://" + addr
	if err := waitHealthy(url); err != nil {
		return err
	}

	var mu sync.Mutex
	var beats []time.Duration
	recording := false
	received := map[string]time.Time{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	start := time.Now()
	s, err := sim.Start(ctx, sim.Config{Server: url, Code: code, Terminals: n, Heartbeat: heartbeat,
		OnHeartbeat: func(d time.Duration) {
			mu.Lock()
			if recording {
				beats = append(beats, d)
			}
			mu.Unlock()
		},
		OnCommand: func(_ string, cmd sim.Command, at time.Time) {
			mu.Lock()
			received[cmd.ID] = at
			mu.Unlock()
		}})
	if err != nil {
		return err
	}
	enrolled := time.Since(start)
	for s.Online() < n {
		if time.Since(start) > 10*time.Minute {
			return fmt.Errorf("only %d of %d terminals online after 10 minutes", s.Online(), n)
		}
		time.Sleep(100 * time.Millisecond)
	}
	bench("enroll_seconds", enrolled.Seconds(), "s")
	bench("all_online_seconds", time.Since(start).Seconds(), "s")

	// Let the first heartbeats spread out, then measure a steady window.
	time.Sleep(heartbeat)
	cpu0, _ := cpuSeconds(fleet.Process.Pid)
	mu.Lock()
	recording = true
	mu.Unlock()
	time.Sleep(steady)
	cpu1, _ := cpuSeconds(fleet.Process.Pid)
	mu.Lock()
	recording = false
	lat := slices.Clone(beats)
	mu.Unlock()
	rss, _ := rssBytes(fleet.Process.Pid)
	bench("fleet_rss_mib", float64(rss)/(1<<20), "MiB")
	bench("fleet_cpu_seconds_per_minute", (cpu1-cpu0)/steady.Minutes(), "s/min")
	bench("heartbeat_ingest_p50_ms", pct(lat, 50), "ms")
	bench("heartbeat_ingest_p99_ms", pct(lat, 99), "ms")
	bench("heartbeats_measured", float64(len(lat)), "count")

	rtt, err := commandRoundTrips(url, s, commands, &mu, received)
	if err != nil {
		return err
	}
	bench("command_rtt_p50_ms", pct(rtt, 50), "ms")
	bench("command_rtt_p99_ms", pct(rtt, 99), "ms")
	return nil
}

// commandRoundTrips sends commands to random terminals, a few at a time,
// and times each from the API call to its arrival at the terminal, which
// acks it at once.
func commandRoundTrips(url string, s *sim.Sim, count int, mu *sync.Mutex, received map[string]time.Time) ([]time.Duration, error) {
	token, err := login(url)
	if err != nil {
		return nil, err
	}
	var out []time.Duration
	for i := 0; i < count; i++ {
		t := s.Terminals[rand.IntN(len(s.Terminals))]
		sent := time.Now()
		id, err := postCommand(url, token, t.ID)
		if err != nil {
			return nil, err
		}
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(time.Millisecond) {
			mu.Lock()
			at, ok := received[id]
			mu.Unlock()
			if ok {
				out = append(out, at.Sub(sent))
				break
			}
			if time.Now().After(deadline) {
				return nil, fmt.Errorf("command %s never arrived", id)
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return out, nil
}

func login(url string) (string, error) {
	resp, err := http.Post(url+"/api/v1/auth/login", "application/json",
		strings.NewReader(`{"name":"admin","password":"bench-password-1"}`))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var r struct{ Token string }
	json.NewDecoder(resp.Body).Decode(&r)
	if r.Token == "" {
		return "", fmt.Errorf("login failed: %s", resp.Status)
	}
	return r.Token, nil
}

func postCommand(url, token, terminal string) (string, error) {
	req, _ := http.NewRequest("POST", url+"/api/v1/terminals/"+terminal+"/commands",
		bytes.NewReader([]byte(`{"type":"message","text":"benchmark"}`)))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var r struct{ ID string }
	json.NewDecoder(resp.Body).Decode(&r)
	if resp.StatusCode != 202 {
		return "", fmt.Errorf("command: %s", resp.Status)
	}
	return r.ID, nil
}

func pct(ds []time.Duration, p int) float64 {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	i := min(len(ds)-1, len(ds)*p/100)
	return float64(ds[i].Microseconds()) / 1000
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

func waitHealthy(url string) error {
	for i := 0; i < 200; i++ {
		if resp, err := http.Get(url + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("fleet at %s never became healthy", url)
}

// cpuSeconds reads a process's user+system CPU time from /proc.
func cpuSeconds(pid int) (float64, error) {
	raw, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return 0, err
	}
	// Fields after the command name, which is in parentheses.
	fields := strings.Fields(string(raw[bytes.LastIndexByte(raw, ')')+2:]))
	utime, _ := strconv.ParseFloat(fields[11], 64)
	stime, _ := strconv.ParseFloat(fields[12], 64)
	return (utime + stime) / 100, nil // USER_HZ is 100 on Linux
}

func rssBytes(pid int) (uint64, error) {
	raw, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10, nil
		}
	}
	return 0, fmt.Errorf("no VmRSS for pid %d", pid)
}
