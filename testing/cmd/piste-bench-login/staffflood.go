package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// staffPassword is the bench admin's password; the flood never sends it.
const staffPassword = "bench admin password"

// floodSources are the loopback addresses the flood comes from, so that
// the per-address limits leave the fleet-wide password-check limit to do
// the bounding.
var floodSources = []string{"127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"}

// staffFlood sends n wrong staff passwords at once (distinct names, spread
// over floodSources) and reports the fleet's peak RSS over the flood.
func staffFlood(out io.Writer, base string, pid, n int) error {
	before, err := procStatus(pid, "VmRSS")
	if err != nil {
		return err
	}
	// Writing 5 to clear_refs resets VmHWM, so the peak is the flood's own.
	os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0)
	counts := map[int]int{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := time.Now()
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			status := floodLogin(base, floodSources[i%len(floodSources)], fmt.Sprintf("guess-%d", i/len(floodSources)))
			mu.Lock()
			counts[status]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	peak, err := procStatus(pid, "VmHWM")
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "staff-login flood: %d wrong passwords at once in %.1fs, answers %v, fleet RSS before %d MiB\n",
		n, elapsed.Seconds(), counts, before>>20)
	fmt.Fprintf(out, "BENCH staff_login_flood_peak_rss_mib %d MiB\n", peak>>20)
	if counts[0] > 0 {
		return fmt.Errorf("%d flood requests got no answer", counts[0])
	}
	return nil
}

// floodLogin posts one wrong password from a source address; 0 when
// there was no answer.
func floodLogin(base, source, name string) int {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(source)}, Timeout: 10 * time.Second}
	client := &http.Client{Transport: &http.Transport{DialContext: d.DialContext}, Timeout: time.Minute}
	body := fmt.Sprintf(`{"name":%q,"password":"wrong password"}`, name)
	resp, err := client.Post(base+"/api/v1/auth/login", "application/json", strings.NewReader(body))
	if err != nil {
		return 0
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// procStatus reads a "kB" field of /proc/PID/status in bytes.
func procStatus(pid int, field string) (int64, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, fmt.Errorf("read fleet memory: %w", err)
	}
	for _, l := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(l, field+":"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("no %s in /proc/%d/status", field, pid)
}
