// Command piste-bench-rollout measures a rollout to N simulated terminals
// on this machine: one fleet server, a signed release of the given size,
// one wave to 100 %. It prints lines "BENCH <name> <value> <unit>".
package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"piste/internal/release"
	"piste/testing/sim"
)

func main() {
	fleetBin := flag.String("fleet", "bin/piste-fleet", "piste-fleet binary")
	n := flag.Int("terminals", 1000, "simulated terminals")
	mb := flag.Int("release-mb", 20, "release size in MB")
	flag.Parse()
	if err := run(*fleetBin, *n, *mb); err != nil {
		fmt.Fprintln(os.Stderr, "piste-bench-rollout:", err)
		os.Exit(1)
	}
}

func bench(name string, value float64, unit string) {
	fmt.Printf("BENCH %s %.3f %s\n", name, value, unit)
}

func run(fleetBin string, n, mb int) error {
	work, err := os.MkdirTemp("", "piste-bench-rollout-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	data := filepath.Join(work, "data")
	cli := func(stdin string, args ...string) (string, error) {
		cmd := exec.Command(fleetBin, args...)
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		if err != nil {
			return "", fmt.Errorf("piste-fleet %v: %v: %s", args, err, out)
		}
		return strings.TrimSpace(string(out)), nil
	}
	artifact, sig, pub, err := makeRelease(work, mb)
	if err != nil {
		return err
	}
	if _, err := cli("", "branch", "add", "--data", data, "--id", "bench", "--name", "Bench"); err != nil {
		return err
	}
	if _, err := cli("bench-password-1\n", "user", "add", "--data", data, "--name", "admin", "--role", "admin"); err != nil {
		return err
	}
	if _, err := cli("", "release", "add", "--data", data, "--release-keys", pub, "--version", "2.0.0", "--os", "linux",
		"--arch", "amd64", artifact, sig); err != nil {
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
	fleet := exec.Command(fleetBin, "serve", "--data", data, "--addr", addr, "--release-keys", pub, "--metrics-addr", "127.0.0.1:0")
	fleet.Stderr = os.Stderr
	stdout, _ := fleet.StdoutPipe()
	if err := fleet.Start(); err != nil {
		return err
	}
	defer func() { fleet.Process.Signal(os.Interrupt); fleet.Wait() }()
	metrics := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m, ok := strings.CutPrefix(sc.Text(), "metrics on "); ok {
				metrics <- m
			}
		}
	}()
	url := "http://" + addr
	if err := waitHealthy(url); err != nil {
		return err
	}
	metricsURL := <-metrics

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	start := time.Now()
	s, err := sim.Start(ctx, sim.Config{Server: url, Code: code, Terminals: n, AgentVersion: "1.0.0", OS: "linux/amd64",
		Updates: true, HashChecked: 10})
	if err != nil {
		return err
	}
	for s.Online() < n {
		if time.Since(start) > 5*time.Minute {
			return fmt.Errorf("only %d of %d terminals online after 5 minutes", s.Online(), n)
		}
		time.Sleep(100 * time.Millisecond)
	}
	bench("terminals_online", float64(n), "count")
	// Log in first: a staff login's password check (argon2) takes 64 MiB
	// for a moment, which is not the rollout's.
	token, err := login(url)
	if err != nil {
		return err
	}
	time.Sleep(2 * time.Second)
	rss0, _ := procStatus(fleet.Process.Pid, "VmRSS:")
	sent0, _ := metric(metricsURL, "piste_release_bytes_sent_total")

	wave := time.Now()
	id, err := startRollout(url, token)
	if err != nil {
		return err
	}
	peak, peakHeap := rss0, 0.0
	for {
		if rss, err := procStatus(fleet.Process.Pid, "VmRSS:"); err == nil && rss > peak {
			peak = rss
		}
		if h, err := metric(metricsURL, "go_memstats_heap_inuse_bytes"); err == nil && h > peakHeap {
			peakHeap = h
		}
		done, err := updated(url, token, id)
		if err != nil {
			return err
		}
		if done >= n {
			break
		}
		if time.Since(wave) > 15*time.Minute {
			return fmt.Errorf("only %d of %d terminals updated after 15 minutes (%d failures)", done, n, s.UpdateFailures())
		}
		time.Sleep(100 * time.Millisecond)
	}
	took := time.Since(wave)
	sent, _ := metric(metricsURL, "piste_release_bytes_sent_total")
	fi, _ := os.Stat(artifact)
	bench("release_mb", float64(fi.Size())/1e6, "MB")
	bench("wave_100pct_seconds", took.Seconds(), "s")
	bench("fleet_bytes_sent_mb", (sent-sent0)/1e6, "MB")
	bench("fleet_bytes_sent_per_terminal_mb", (sent-sent0)/1e6/float64(n), "MB")
	bench("terminals_bytes_received_mb", float64(s.DownloadedBytes())/1e6, "MB")
	bench("fleet_throughput_mb_per_s", (sent-sent0)/1e6/took.Seconds(), "MB/s")
	bench("fleet_rss_before_mib", float64(rss0)/(1<<20), "MiB")
	bench("fleet_rss_peak_mib", float64(peak)/(1<<20), "MiB")
	bench("fleet_rss_growth_per_terminal_kib", float64(peak-rss0)/1024/float64(n), "KiB")
	bench("update_failures", float64(s.UpdateFailures()), "count")
	bench("fleet_heap_inuse_peak_mib", peakHeap/(1<<20), "MiB")
	if g, err := metric(metricsURL, "go_goroutines"); err == nil {
		bench("fleet_goroutines_after", g, "count")
	}
	return nil
}

// makeRelease packs an incompressible fake agent of mb MB and signs it
// with a fresh key; it returns the artifact, signature and public key.
func makeRelease(dir string, mb int) (artifact, sig, pub string, err error) {
	pub, err = release.GenerateKeys(filepath.Join(dir, "keys"))
	if err != nil {
		return
	}
	bin := filepath.Join(dir, release.AgentBinary)
	f, err := os.Create(bin)
	if err != nil {
		return
	}
	_, err = io.CopyN(f, rand.Reader, int64(mb)*1e6)
	f.Close()
	if err != nil {
		return
	}
	artifact = filepath.Join(dir, "piste-agent-2.0.0.tar.gz")
	out, err := os.Create(artifact)
	if err != nil {
		return
	}
	err = release.Pack(out, release.Manifest{Version: "2.0.0", OS: "linux", Arch: "amd64"}, bin)
	out.Close()
	if err != nil {
		return
	}
	sig, err = release.SignFile(filepath.Join(dir, "keys", release.PrivateKeyFile), artifact)
	return
}

func startRollout(url, token string) (int64, error) {
	req, _ := http.NewRequest("POST", url+"/api/v1/rollouts", strings.NewReader(`{"version":"2.0.0","percent":100}`))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var r struct {
		ID    int64
		Error string
	}
	json.NewDecoder(resp.Body).Decode(&r)
	if resp.StatusCode != 201 {
		return 0, fmt.Errorf("start rollout: %s %s", resp.Status, r.Error)
	}
	return r.ID, nil
}

func updated(url, token string, id int64) (int, error) {
	req, _ := http.NewRequest("GET", fmt.Sprintf("%s/api/v1/rollouts/%d", url, id), nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var r struct {
		Counts map[string]int `json:"counts"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return 0, err
	}
	return r.Counts["updated"], nil
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

func metric(metricsURL, name string) (float64, error) {
	resp, err := http.Get(metricsURL)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, line := range bytes.Split(body, []byte("\n")) {
		if v, ok := strings.CutPrefix(string(line), name+" "); ok {
			return strconv.ParseFloat(strings.TrimSpace(v), 64)
		}
	}
	return 0, fmt.Errorf("no metric %s", name)
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

func procStatus(pid int, field string) (uint64, error) {
	raw, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, field); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10, nil
		}
	}
	return 0, fmt.Errorf("no %s for pid %d", field, pid)
}
