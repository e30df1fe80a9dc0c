package e2e

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// peakRSS reads a process's peak resident memory (VmHWM) in bytes.
func peakRSS(t *testing.T, pid int) int64 {
	t.Helper()
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	require.NoError(t, err)
	for _, l := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			require.NoError(t, err)
			return kb << 10
		}
	}
	t.Fatal("no VmHWM in /proc status")
	return 0
}

// clientFrom is an HTTP client whose connections leave from a given
// loopback address, as another machine's would.
func clientFrom(ip string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
	return &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
}

func postLogin(c *http.Client, url, name, password string) (int, http.Header, error) {
	body := fmt.Sprintf(`{"name":%q,"password":%q}`, name, password)
	res, err := c.Post(url+"/api/v1/auth/login", "application/json", strings.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	res.Body.Close()
	return res.StatusCode, res.Header, nil
}

// A flood of parallel wrong passwords for the admin, from one address, is
// mostly refused at once with a wait to respect; the fleet's memory stays
// bounded (argon2 runs under a limit sized to memory), and the real admin
// still logs in from another address during the flood.
func TestStaffLoginFloodIsBounded(t *testing.T) {
	f := newFleet(t)
	const flood = 100
	attacker := clientFrom("127.0.0.1")
	statuses := make(chan int, flood)
	refused := make(chan struct{}, flood)
	var wg sync.WaitGroup
	for i := 0; i < flood; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			status, h, err := postLogin(attacker, f.url, "admin", fmt.Sprintf("guess-number-%d", i))
			if err != nil {
				t.Errorf("flood login: %v", err)
				return
			}
			if status == http.StatusTooManyRequests {
				secs, err := strconv.Atoi(h.Get("Retry-After"))
				assert.NoError(t, err, "a 429 says when to try again")
				assert.Positive(t, secs)
				refused <- struct{}{}
			}
			statuses <- status
		}()
	}
	<-refused // the flood is on

	status, _, err := postLogin(clientFrom("127.0.0.2"), f.url, "admin", adminPassword)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, status, "the admin is not locked out by someone else's guessing")

	wg.Wait()
	close(statuses)
	counts := map[int]int{}
	for s := range statuses {
		counts[s]++
	}
	assert.GreaterOrEqual(t, counts[http.StatusTooManyRequests], 90, "most of the flood is refused without a password check: %v", counts)
	assert.Equal(t, flood, counts[http.StatusTooManyRequests]+counts[http.StatusUnauthorized], "only 401 and 429: %v", counts)

	peak := peakRSS(t, f.proc.cmd.Process.Pid)
	t.Logf("fleet peak RSS %d MiB", peak>>20)
	assert.Less(t, peak, int64(400<<20), "the fleet's peak memory stays bounded")

	status, _, err = postLogin(attacker, f.url, "admin", adminPassword)
	require.NoError(t, err)
	assert.Equal(t, http.StatusTooManyRequests, status, "the guessing address waits, even with the right password")
}
