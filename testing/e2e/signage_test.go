package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"piste/agent/localapi"
	"piste/agent/state"
	"piste/fleet/signage/signagetest"
)

// upload posts a file as multipart to /api/v1/content.
func (f *fleet) upload(token, name string, data []byte) (int, map[string]any) {
	f.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("title", name)
	w, err := mw.CreateFormFile("file", name)
	require.NoError(f.t, err)
	w.Write(data)
	mw.Close()
	req, err := http.NewRequest("POST", f.url+"/api/v1/content", &body)
	require.NoError(f.t, err)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(f.t, err)
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	require.NoErrorf(f.t, json.Unmarshal(raw, &out), "%s", raw)
	return resp.StatusCode, out
}

func pngOf(t *testing.T, w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := 0; x < w; x++ {
		img.Set(x, x%h, color.RGBA{200, 30, 30, 255})
	}
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, img))
	return buf.Bytes()
}

func signageOf(st map[string]any) map[string]any {
	s, _ := st["signage"].(map[string]any)
	return s
}

// TestSignageScreen runs an editor's whole path through the real fleet and
// a real screen agent: upload, slide, playlist, schedule, an urgent notice
// on screen and gone at its withdrawal, the screen playing on with the
// fleet down, a notice sent while it was offline shown when it returns,
// and proof of play counted.
func TestSignageScreen(t *testing.T) {
	f := newFleet(t)
	run(t, "editor pass 1234\n", 0, "piste-fleet", "user", "add", "--data", f.data, "--name", "kallio-editor", "--role", "editor", "--branch", "kallio")
	run(t, "editor pass 5678\n", 0, "piste-fleet", "user", "add", "--data", f.data, "--name", "oodi-editor", "--role", "editor", "--branch", "oodi")
	ed := f.login("kallio-editor", "editor pass 1234")
	other := f.login("oodi-editor", "editor pass 5678")

	screen := &agent{t: t, state: t.TempDir()}
	code := f.enrollCode("kallio", 1, "1h")
	out, _ := run(t, code+"\n", 0, "piste-agent", "enroll", "--server", f.url, "--code", "-", "--state", screen.state, "--name", "lobby", "--kind", "screen")
	screen.id = strings.Fields(out)[2]
	screen.start()

	status, img := f.upload(ed, "poster.png", pngOf(t, 320, 180))
	require.Equal(t, 201, status, img)
	require.Equal(t, "image", img["kind"])
	var slide map[string]any
	require.Equal(t, 201, f.call("POST", "/api/v1/content", ed, map[string]any{"kind": "text", "title": "Satutunti", "body": "Lauantaina klo 11", "lang": "fi", "fg": "#ffffff", "bg": "#003a70"}, &slide))
	var pl map[string]any
	require.Equal(t, 201, f.call("POST", "/api/v1/playlists", ed, map[string]any{"name": "Aula", "items": []map[string]any{
		{"content_id": img["id"], "seconds": 3}, {"content_id": slide["id"], "seconds": 3}}}, &pl))

	// Another branch's editor cannot reach this screen or use this playlist.
	var refusal map[string]any
	assert.Equal(t, 404, f.call("POST", "/api/v1/schedules", other, map[string]any{"playlist_id": pl["id"], "targets": map[string]any{"branches": []string{"oodi"}}}, &refusal))
	assert.Equal(t, 404, f.call("POST", "/api/v1/playlists", other, map[string]any{"name": "x", "items": []map[string]any{{"content_id": img["id"], "seconds": 5}}}, &refusal))
	assert.Equal(t, 404, f.call("POST", "/api/v1/notices", other, map[string]any{"text": "hi", "targets": map[string]any{"terminals": []string{screen.id}}, "expires_at": time.Now().Add(time.Hour)}, &refusal))

	var sched map[string]any
	require.Equal(t, 201, f.call("POST", "/api/v1/schedules", ed, map[string]any{"playlist_id": pl["id"], "targets": map[string]any{"branches": []string{"kallio"}},
		"weekdays": []int{1, 2, 3, 4, 5, 6, 7}, "priority": 1, "draft": true}, &sched))
	assert.Equal(t, "draft", sched["status"])
	require.Equal(t, 200, f.call("POST", "/api/v1/schedules/"+sched["id"].(string)+"/publish", ed, nil, nil))

	var manifest string
	eventually(t, 20*time.Second, func() bool {
		sg := signageOf(screen.tryStatus())
		np, _ := sg["now_playing"].(map[string]any)
		manifest, _ = sg["manifest"].(string)
		return manifest != "" && np != nil && np["sha256"] != nil
	}, "the screen did not start playing", screen.proc.output)

	// Urgent notice: on screen within 2 s, gone when withdrawn.
	var notice map[string]any
	sent := time.Now()
	require.Equal(t, 201, f.call("POST", "/api/v1/notices", ed, map[string]any{"text": "Kirjasto suljetaan klo 15", "targets": map[string]any{"branches": []string{"kallio"}}, "expires_at": time.Now().Add(time.Hour)}, &notice))
	eventually(t, 10*time.Second, func() bool {
		n, _ := signageOf(screen.tryStatus())["notice"].(map[string]any)
		return n != nil && n["text"] == "Kirjasto suljetaan klo 15"
	}, "the notice did not reach the screen", screen.proc.output)
	t.Logf("notice on screen after %v", time.Since(sent).Round(time.Millisecond))
	require.Equal(t, 204, f.call("DELETE", "/api/v1/notices/"+notice["id"].(string), ed, nil, nil))
	eventually(t, 10*time.Second, func() bool {
		sg := signageOf(screen.tryStatus())
		return sg != nil && sg["notice"] == nil
	}, "the withdrawn notice stayed", screen.proc.output)

	// An admin asks for a screenshot; the test plays the kiosk's part on
	// the agent's socket, as the player does.
	cmd := f.command(screen.id, "screenshot", "", "")
	eventually(t, 10*time.Second, func() bool {
		req, _ := signageOf(screen.tryStatus())["screenshot_request"].(string)
		return req == cmd
	}, "the agent did not ask the player for a screenshot", screen.proc.output)
	kiosk := localapi.NewClient(filepath.Join(screen.state, state.SocketFile))
	defer kiosk.Close()
	assert.Error(t, kiosk.SignageScreenshot(context.Background(), cmd, []byte("not a png")))
	shot := pngOf(t, 64, 36)
	require.NoError(t, kiosk.SignageScreenshot(context.Background(), cmd, shot))
	eventually(t, 10*time.Second, func() bool { return f.commandStatus(cmd) == "done" }, "the screenshot command did not finish")
	req, err := http.NewRequest("GET", f.url+"/api/v1/terminals/"+screen.id+"/screenshot", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+f.token)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, shot, got, "the admin got another picture than the screen sent")
	assert.Equal(t, 403, f.call("GET", "/api/v1/terminals/"+screen.id+"/screenshot", ed, nil, &refusal), "an editor may not see screenshots")

	// Fleet down: the screen plays on, moving through its playlist.
	f.proc.stop(syscall.SIGTERM)
	seen := map[string]bool{}
	eventually(t, 20*time.Second, func() bool {
		np, _ := signageOf(screen.tryStatus())["now_playing"].(map[string]any)
		if id, ok := np["content_id"].(string); ok {
			seen[id] = true
		}
		return len(seen) == 2
	}, "the screen did not play on through its playlist with the fleet down", screen.proc.output)

	// A notice sent while the screen is offline shows when it comes back.
	screen.proc.stop(syscall.SIGTERM)
	f.serve()
	ed = f.login("kallio-editor", "editor pass 1234")
	require.Equal(t, 201, f.call("POST", "/api/v1/notices", ed, map[string]any{"text": "Huomenna suljettu", "targets": map[string]any{"terminals": []string{screen.id}}, "expires_at": time.Now().Add(time.Hour)}, &notice))
	screen.start()
	eventually(t, 20*time.Second, func() bool {
		n, _ := signageOf(screen.tryStatus())["notice"].(map[string]any)
		return n != nil && n["text"] == "Huomenna suljettu"
	}, "the screen coming back did not show the notice", screen.proc.output)

	// Proof of play reaches the editor's counts.
	eventually(t, 20*time.Second, func() bool {
		var stats struct {
			Plays []struct {
				Terminal string `json:"terminal"`
				Content  string `json:"content_id"`
				Plays    int    `json:"plays"`
			} `json:"plays"`
		}
		require.Equal(t, 200, f.call("GET", "/api/v1/stats/plays?from="+time.Now().Add(-time.Hour).UTC().Format(time.RFC3339), ed, nil, &stats))
		for _, p := range stats.Plays {
			if p.Terminal == screen.id && p.Content == img["id"] && p.Plays > 0 {
				return true
			}
		}
		return false
	}, "no proof of play was counted", screen.proc.output)

	// Audit: who published what.
	var audit []struct{ Actor, Action, Target string }
	require.Equal(t, 200, f.call("GET", "/api/v1/audit", f.token, nil, &audit))
	found := false
	for _, e := range audit {
		found = found || e.Actor == "kallio-editor" && e.Action == "signage.publish" && e.Target == sched["id"]
	}
	assert.True(t, found, "the publication is not in the audit log")

	// The content is stored once, by digest, in the fleet's data dir.
	sum := img["sha256"].(string)
	_, err = os.Stat(filepath.Join(f.data, "signage", "content", sum[:2], sum))
	assert.NoError(t, err)
}

func TestSignageUploadRefusals(t *testing.T) {
	f := newFleet(t)
	run(t, "editor pass 1234\n", 0, "piste-fleet", "user", "add", "--data", f.data, "--name", "ed", "--role", "editor")
	ed := f.login("ed", "editor pass 1234")
	run(t, "volunteer pass 1\n", 0, "piste-fleet", "user", "add", "--data", f.data, "--name", "vol", "--role", "volunteer", "--branch", "kallio")
	vol := f.login("vol", "volunteer pass 1")

	msgs := map[string]bool{}
	check := func(name string, data []byte, want string) {
		status, out := f.upload(ed, name, data)
		assert.Equal(t, 400, status, name)
		msg, _ := out["error"].(string)
		assert.Contains(t, msg, want, name)
		msgs[msg] = true
	}
	check("not-really.png", []byte("%PDF-1.4 not an image at all"), "not a PNG or JPEG")
	check("huge.png", bytes.Repeat([]byte{0}, 21<<20), "larger than 20 MB")
	check("bomb.png", signagetest.Bomb(10000, 10000), "decompression bomb")
	assert.Len(t, msgs, 3, "each refusal has its own message")

	status, _ := f.upload(vol, "ok.png", pngOf(t, 10, 10))
	assert.Equal(t, 403, status, "a volunteer may not upload")
	var out map[string]any
	assert.Equal(t, 400, f.call("POST", "/api/v1/content", ed, map[string]any{"kind": "text", "title": "x", "lang": "fi", "fg": "#777777", "bg": "#888888"}, &out))
	assert.Contains(t, out["error"], "contrast")
}
