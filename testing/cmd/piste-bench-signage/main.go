// Command piste-bench-signage measures signage at scale: N simulated info
// screens against one fleet, a playlist change of M megabytes, and an
// urgent notice. It prints BENCH lines: the time until every screen has
// the new manifest active, the bytes sent (only the changed items should
// travel), and the time from publishing a notice until every screen's ack
// is stored.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"image"
	"image/png"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"time"

	"piste/testing/sim"
)

func main() {
	fleetBin := flag.String("fleet", "bin/piste-fleet", "the piste-fleet binary")
	n := flag.Int("screens", 500, "simulated info screens")
	changeMB := flag.Int("change-mb", 100, "megabytes of new content in the playlist change")
	notices := flag.Int("notices", 3, "urgent notices to time")
	flag.Parse()
	if err := run(*fleetBin, *n, *changeMB, *notices); err != nil {
		fmt.Fprintln(os.Stderr, "piste-bench-signage:", err)
		os.Exit(1)
	}
}

func bench(name string, value float64, unit string) {
	fmt.Printf("BENCH %s %.3f %s\n", name, value, unit)
}

type api struct {
	url, token string
}

func (a api) call(method, path string, body, out any) error {
	raw, _ := json.Marshal(body)
	req, err := http.NewRequest(method, a.url+path, bytes.NewReader(raw))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+a.token)
	return a.do(req, out)
}

func (a api) do(req *http.Request, out any) error {
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		return fmt.Errorf("%s %s: %s %s", req.Method, req.URL.Path, resp.Status, raw)
	}
	if out != nil {
		return json.Unmarshal(raw, out)
	}
	return nil
}

func (a api) upload(data []byte) (string, error) {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	w, _ := mw.CreateFormFile("file", "bench.png")
	w.Write(data)
	mw.Close()
	req, err := http.NewRequest("POST", a.url+"/api/v1/content", &body)
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+a.token)
	var out struct{ ID string }
	return out.ID, a.do(req, &out)
}

// noisePNG is an incompressible PNG of about size bytes.
func noisePNG(size int, seed uint64) []byte {
	side := 1
	for side*side*3 < size {
		side++
	}
	img := image.NewRGBA(image.Rect(0, 0, side, side))
	r := rand.New(rand.NewPCG(seed, seed+1))
	for i := range img.Pix {
		if i%4 == 3 {
			img.Pix[i] = 255
		} else {
			img.Pix[i] = byte(r.Uint32())
		}
	}
	var buf bytes.Buffer
	png.Encode(&buf, img)
	return buf.Bytes()
}

func run(fleetBin string, n, changeMB, notices int) error {
	data, err := os.MkdirTemp("", "piste-bench-signage-")
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
	fleet := exec.Command(fleetBin, "serve", "--data", data, "--addr", addr, "--metrics-addr", "off")
	fleet.Stderr = os.Stderr
	if err := fleet.Start(); err != nil {
		return err
	}
	defer func() { fleet.Process.Signal(os.Interrupt); fleet.Wait() }()
	url := "http://" + addr
	if err := waitHealthy(url); err != nil {
		return err
	}
	a := api{url: url}
	var login struct{ Token string }
	if err := a.call("POST", "/api/v1/auth/login", map[string]string{"name": "admin", "password": "bench-password-1"}, &login); err != nil {
		return err
	}
	a.token = login.Token

	scr := newScreens(url)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s, err := sim.Start(ctx, sim.Config{Server: url, Code: code, Terminals: n, Kind: "screen", Heartbeat: time.Minute,
		OnNotice: scr.onNotice, OnAck: scr.onAck})
	if err != nil {
		return err
	}
	var ids []string
	for _, t := range s.Terminals {
		ids = append(ids, t.ID)
	}
	for start := time.Now(); s.Online() < n; time.Sleep(100 * time.Millisecond) {
		if time.Since(start) > 5*time.Minute {
			return fmt.Errorf("only %d of %d screens online", s.Online(), n)
		}
	}

	fmt.Fprintf(os.Stderr, "%d screens online\n", n)
	// The playlist every screen has before the change: two small images.
	var base []map[string]any
	for i := range 2 {
		id, err := a.upload(noisePNG(100<<10, uint64(i)))
		if err != nil {
			return err
		}
		base = append(base, map[string]any{"content_id": id, "seconds": 10})
	}
	var pl struct{ ID string }
	if err := a.call("POST", "/api/v1/playlists", map[string]any{"name": "base", "items": base}, &pl); err != nil {
		return err
	}
	if err := a.call("POST", "/api/v1/schedules", map[string]any{"playlist_id": pl.ID, "targets": map[string]any{"branches": []string{"bench"}}}, nil); err != nil {
		return err
	}
	if err := scr.waitAll(ids, 5*time.Minute, func(sc *screen) bool { return len(sc.have) == 2 && sc.active != "" }); err != nil {
		return fmt.Errorf("base playlist: %w", err)
	}

	fmt.Fprintln(os.Stderr, "base playlist active on every screen")
	// The change: the same two images and changeMB of new ones.
	items := slices.Clone(base)
	var changeBytes int64
	for i := 0; changeBytes < int64(changeMB)<<20; i++ {
		img := noisePNG(min(10<<20, int(int64(changeMB)<<20-changeBytes)), uint64(100+i))
		id, err := a.upload(img)
		if err != nil {
			return err
		}
		changeBytes += int64(len(img))
		items = append(items, map[string]any{"content_id": id, "seconds": 10})
	}
	if err := a.call("POST", "/api/v1/playlists", map[string]any{"name": "change", "items": items}, &pl); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "uploaded %d MiB of new content; publishing the change\n", changeBytes>>20)
	scr.bytes.Store(0)
	start := time.Now()
	if err := a.call("POST", "/api/v1/schedules", map[string]any{"playlist_id": pl.ID, "priority": 5, "targets": map[string]any{"branches": []string{"bench"}}}, nil); err != nil {
		return err
	}
	want := len(items)
	if err := scr.waitAll(ids, 30*time.Minute, func(sc *screen) bool { return len(sc.have) >= want && sc.activeAt.After(start) }); err != nil {
		return fmt.Errorf("playlist change: %w", err)
	}
	bench("screens", float64(n), "count")
	bench("change_mib", float64(changeBytes)/(1<<20), "MiB")
	bench("manifest_all_active_seconds", time.Since(start).Seconds(), "s")
	bench("bytes_sent_mib", float64(scr.bytes.Load())/(1<<20), "MiB")
	bench("bytes_changed_items_only_mib", float64(changeBytes*int64(n))/(1<<20), "MiB")

	var lat []time.Duration
	for i := range notices {
		var nt struct{ ID string }
		sent := time.Now()
		if err := a.call("POST", "/api/v1/notices", map[string]any{"text": fmt.Sprintf("Bench notice %d", i),
			"targets": map[string]any{"branches": []string{"bench"}}, "expires_at": time.Now().Add(time.Hour)}, &nt); err != nil {
			return err
		}
		key := fmt.Sprint([]string{nt.ID})
		if err := scr.waitAll(ids, time.Minute, func(sc *screen) bool { _, ok := sc.noticeAcked[key]; return ok }); err != nil {
			return fmt.Errorf("notice: %w", err)
		}
		scr.mu.Lock()
		for _, id := range ids {
			lat = append(lat, scr.state[id].noticeAcked[key].Sub(sent))
		}
		scr.mu.Unlock()
		if err := a.call("DELETE", "/api/v1/notices/"+nt.ID, nil, nil); err != nil {
			return err
		}
		if err := scr.waitAll(ids, time.Minute, func(sc *screen) bool { _, ok := sc.noticeAcked["[]"]; return ok }); err != nil {
			return fmt.Errorf("notice withdrawal: %w", err)
		}
		scr.mu.Lock()
		for _, id := range ids {
			delete(scr.state[id].noticeAcked, "[]")
		}
		scr.mu.Unlock()
	}
	slices.Sort(lat)
	bench("notice_ack_p50_ms", ms(lat[len(lat)/2]), "ms")
	bench("notice_ack_p99_ms", ms(lat[len(lat)*99/100]), "ms")
	bench("notice_ack_max_ms", ms(lat[len(lat)-1]), "ms")
	return nil
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

func waitHealthy(url string) error {
	for start := time.Now(); time.Since(start) < 30*time.Second; time.Sleep(50 * time.Millisecond) {
		resp, err := http.Get(url + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return nil
			}
		}
	}
	return fmt.Errorf("fleet at %s did not become healthy", url)
}
