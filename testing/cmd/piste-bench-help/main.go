// Command piste-bench-help measures how fast a help request reaches the
// volunteers: N simulated terminals stay connected to one fleet while
// some of them ask for help at a steady rate, and V volunteer pages (live
// WebSockets of volunteers serving every branch) time each request from
// the terminal's call to its arrival. It prints "BENCH <name> <value> <unit>".
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"piste/fleet/protocol"
	"piste/testing/sim"
)

func main() {
	fleetBin := flag.String("fleet", "bin/piste-fleet", "piste-fleet binary")
	n := flag.Int("terminals", 10000, "simulated terminals, spread over the branches")
	branches := flag.Int("branches", 20, "branches")
	volunteers := flag.Int("volunteers", 20, "volunteer live sockets, each serving every branch")
	rate := flag.Int("rate", 50, "help requests per second")
	window := flag.Duration("duration", 30*time.Second, "how long requests are made")
	hold := flag.Duration("hold", 2*time.Second, "how long a request stays open before its visitor cancels it")
	heartbeat := flag.Duration("heartbeat", 30*time.Second, "the fleet's heartbeat interval: how often every terminal reports health")
	flag.Parse()
	cfg := config{fleet: *fleetBin, terminals: *n, branches: *branches, volunteers: *volunteers, rate: *rate,
		window: *window, hold: *hold, heartbeat: *heartbeat}
	if err := run(cfg); err != nil {
		fmt.Fprintln(os.Stderr, "piste-bench-help:", err)
		os.Exit(1)
	}
}

type config struct {
	fleet                                 string
	terminals, branches, volunteers, rate int
	window, hold, heartbeat               time.Duration
}

func bench(name string, value float64, unit string) {
	fmt.Printf("BENCH %s %.3f %s\n", name, value, unit)
}

const password = "bench-volunteer-1"

func run(cfg config) error {
	data, err := os.MkdirTemp("", "piste-bench-help-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(data)
	cli := func(stdin string, args ...string) (string, error) {
		cmd := exec.Command(cfg.fleet, args...)
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		if err != nil {
			return "", fmt.Errorf("piste-fleet %v: %v: %s", args, err, out)
		}
		return strings.TrimSpace(string(out)), nil
	}
	var ids, codes []string
	per := cfg.terminals / cfg.branches
	for b := range cfg.branches {
		id := fmt.Sprintf("b%02d", b)
		ids = append(ids, id)
		if _, err := cli("", "branch", "add", "--data", data, "--id", id, "--name", "Branch "+id); err != nil {
			return err
		}
		code, err := cli("", "enroll-code", "--data", data, "--branch", id, "--uses", strconv.Itoa(per))
		if err != nil {
			return err
		}
		codes = append(codes, code)
	}
	for v := range cfg.volunteers {
		if _, err := cli(password+"\n", "user", "add", "--data", data, "--name", fmt.Sprintf("vol%02d", v),
			"--role", "volunteer", "--branch", strings.Join(ids, ",")); err != nil {
			return err
		}
	}
	addr, err := freeAddr()
	if err != nil {
		return err
	}
	fleet := exec.Command(cfg.fleet, "serve", "--data", data, "--addr", addr, "--metrics-addr", "",
		"--heartbeat", cfg.heartbeat.String())
	fleet.Stderr = os.Stderr
	if err := fleet.Start(); err != nil {
		return err
	}
	defer func() { fleet.Process.Signal(os.Interrupt); fleet.Wait() }()
	url := "http://" + addr
	if err := waitHealthy(url); err != nil {
		return err
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	start := time.Now()
	var pcs []*sim.Terminal
	var sims []*sim.Sim
	for b, code := range codes {
		s, err := sim.Start(ctx, sim.Config{Server: url, Code: code, Terminals: per, Prefix: ids[b]})
		if err != nil {
			return err
		}
		sims = append(sims, s)
		for _, t := range s.Terminals {
			if t.Kind == "pc" {
				pcs = append(pcs, t)
			}
		}
	}
	for online(sims) < per*cfg.branches {
		if time.Since(start) > 10*time.Minute {
			return fmt.Errorf("only %d terminals online after 10 minutes", online(sims))
		}
		time.Sleep(100 * time.Millisecond)
	}
	bench("terminals_online", float64(online(sims)), "count")
	bench("all_online_seconds", time.Since(start).Seconds(), "s")

	rec := &recorder{asked: map[string]time.Time{}}
	var socks []*websocket.Conn
	for v := range cfg.volunteers {
		ws, err := volunteerSocket(url, fmt.Sprintf("vol%02d", v))
		if err != nil {
			return err
		}
		socks = append(socks, ws)
		go rec.listen(ws)
	}
	defer func() {
		for _, ws := range socks {
			ws.Close()
		}
	}()

	asked, failed := ask(ctx, cfg, pcs, rec)
	time.Sleep(2 * time.Second) // the last deliveries
	lat, missing := rec.result(cfg.volunteers)
	bench("help_requests_created", float64(asked), "count")
	bench("help_requests_failed", float64(failed), "count")
	bench("help_create_rate", float64(asked)/cfg.window.Seconds(), "req/s")
	bench("volunteer_sockets", float64(len(socks)), "count")
	bench("deliveries_measured", float64(len(lat)), "count")
	bench("deliveries_missing", float64(missing), "count")
	bench("help_delivery_p50_ms", pct(lat, 50), "ms")
	bench("help_delivery_p99_ms", pct(lat, 99), "ms")
	bench("help_delivery_max_ms", pct(lat, 100), "ms")
	rec.mu.Lock()
	calls := slices.Clone(rec.calls)
	rec.mu.Unlock()
	bench("help_create_call_p50_ms", pct(calls, 50), "ms")
	bench("help_create_call_p99_ms", pct(calls, 99), "ms")
	return nil
}

func online(sims []*sim.Sim) int {
	n := 0
	for _, s := range sims {
		n += s.Online()
	}
	return n
}

// ask makes rate requests a second for the window from terminals without
// an open one; each visitor cancels after hold, as help came or they left.
func ask(ctx context.Context, cfg config, pcs []*sim.Terminal, rec *recorder) (asked, failed int) {
	var mu sync.Mutex
	busy := map[*sim.Terminal]bool{}
	var wg sync.WaitGroup
	tick := time.NewTicker(time.Second / time.Duration(cfg.rate))
	defer tick.Stop()
	end := time.Now().Add(cfg.window)
	topics := []string{"email", "eservices", "printing", "device", "forms", "other"}
	for now := range tick.C {
		if now.After(end) {
			break
		}
		var t *sim.Terminal
		mu.Lock()
		for t == nil || busy[t] {
			t = pcs[rand.IntN(len(pcs))]
		}
		busy[t] = true
		mu.Unlock()
		wg.Add(1)
		go func() {
			defer wg.Done()
			sent := time.Now()
			var v protocol.HelpView
			err := t.Call(ctx, http.MethodPost, protocol.PathAgentHelp,
				protocol.HelpAsk{Topic: topics[rand.IntN(len(topics))], Language: "fi", SessionID: "bench"}, &v)
			mu.Lock()
			if err != nil {
				failed++
				fmt.Fprintln(os.Stderr, "ask:", err)
				mu.Unlock()
				return
			}
			asked++
			mu.Unlock()
			rec.sent(v.ID, sent)
			rec.answered(time.Since(sent))
			time.Sleep(cfg.hold)
			path := strings.Replace(protocol.PathAgentHelpCancel, "{id}", v.ID, 1)
			if err := t.Call(ctx, http.MethodPost, path, struct{}{}, nil); err != nil {
				fmt.Fprintln(os.Stderr, "cancel:", err)
			}
			mu.Lock()
			delete(busy, t)
			mu.Unlock()
		}()
	}
	wg.Wait()
	return asked, failed
}

// recorder matches requests as the terminals made them with their
// arrival on each volunteer socket.
type recorder struct {
	mu      sync.Mutex
	asked   map[string]time.Time
	arrived []arrival
	calls   []time.Duration // the terminals' create calls, to their answer
}

func (r *recorder) answered(d time.Duration) {
	r.mu.Lock()
	r.calls = append(r.calls, d)
	r.mu.Unlock()
}

type arrival struct {
	id string
	at time.Time
}

func (r *recorder) sent(id string, at time.Time) {
	r.mu.Lock()
	r.asked[id] = at
	r.mu.Unlock()
}

// listen records the first sight of each open request on one socket.
func (r *recorder) listen(ws *websocket.Conn) {
	seen := map[string]bool{}
	for {
		_, raw, err := ws.ReadMessage()
		if err != nil {
			return
		}
		at := time.Now()
		var f struct {
			Type    string `json:"type"`
			Request *struct {
				ID     string `json:"id"`
				Status string `json:"status"`
			} `json:"request"`
		}
		if json.Unmarshal(raw, &f) != nil || f.Request == nil || f.Request.Status != "open" || seen[f.Request.ID] {
			continue
		}
		seen[f.Request.ID] = true
		r.mu.Lock()
		r.arrived = append(r.arrived, arrival{f.Request.ID, at})
		r.mu.Unlock()
	}
}

// result is every (request, socket) delivery's latency, and how many
// deliveries never came.
func (r *recorder) result(sockets int) ([]time.Duration, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var lat []time.Duration
	for _, a := range r.arrived {
		if sent, ok := r.asked[a.id]; ok {
			lat = append(lat, a.at.Sub(sent))
		}
	}
	return lat, len(r.asked)*sockets - len(lat)
}

func volunteerSocket(url, name string) (*websocket.Conn, error) {
	resp, err := http.Post(url+"/api/v1/auth/login", "application/json",
		strings.NewReader(fmt.Sprintf(`{"name":%q,"password":%q}`, name, password)))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var r struct{ Token string }
	json.NewDecoder(resp.Body).Decode(&r)
	if r.Token == "" {
		return nil, fmt.Errorf("login of %s failed: %s", name, resp.Status)
	}
	ws, _, err := websocket.DefaultDialer.Dial(strings.Replace(url, "http", "ws", 1)+"/api/v1/help/live",
		http.Header{"Authorization": {"Bearer " + r.Token}})
	if err != nil {
		return nil, fmt.Errorf("live queue of %s: %w", name, err)
	}
	return ws, nil
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
	for range 200 {
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
