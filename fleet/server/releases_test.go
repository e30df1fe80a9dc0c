package server

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"piste/fleet/protocol"
	"piste/internal/release"
)

// releaseFleet is a test fleet that trusts one release key, with a signed
// release artifact of a 2 MB fake binary (larger than any other body).
type releaseFleet struct {
	*testFleet
	keyDir string
}

func newReleaseFleet(t *testing.T) *releaseFleet {
	keyDir := t.TempDir()
	pub, err := release.GenerateKeys(filepath.Join(keyDir, "keys"))
	require.NoError(t, err)
	_, err = release.GenerateKeys(filepath.Join(keyDir, "other"))
	require.NoError(t, err)
	f := newTestFleetWith(t, func(c *Config) { c.ReleaseKeys = pub }, nil)
	return &releaseFleet{testFleet: f, keyDir: keyDir}
}

// artifact packs and signs (with the named key) a release; it returns
// the file and its signature.
func (f *releaseFleet) artifact(t *testing.T, version, key string) (string, []byte) {
	dir := t.TempDir()
	bin := filepath.Join(dir, release.AgentBinary)
	junk := make([]byte, 2<<20)
	rand.Read(junk)
	require.NoError(t, os.WriteFile(bin, junk, 0o755))
	file := filepath.Join(dir, "release.tar.gz")
	out, err := os.Create(file)
	require.NoError(t, err)
	require.NoError(t, release.Pack(out, release.Manifest{Version: version, OS: "linux", Arch: "amd64"}, bin))
	require.NoError(t, out.Close())
	sigPath, err := release.SignFile(filepath.Join(f.keyDir, key, release.PrivateKeyFile), file)
	require.NoError(t, err)
	sig, _ := os.ReadFile(sigPath)
	return file, sig
}

// upload posts a release; fileFirst sends the file before the signature.
func (f *releaseFleet) upload(token, version, file string, sig []byte, fileFirst bool) (int, map[string]any) {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	writeFile := func() {
		w, _ := mw.CreateFormFile("file", "release.tar.gz")
		data, _ := os.ReadFile(file)
		w.Write(data)
	}
	if fileFirst {
		writeFile()
	}
	mw.WriteField("version", version)
	mw.WriteField("os", "linux")
	mw.WriteField("arch", "amd64")
	mw.WriteField("signature", string(sig))
	if !fileFirst {
		writeFile()
	}
	mw.Close()
	req, _ := http.NewRequest("POST", f.srv.URL+"/api/v1/releases", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(f.t, err)
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func TestReleaseUploadIsCheckedAndScoped(t *testing.T) {
	f := newReleaseFleet(t)
	admin, scoped, vera := f.login("admin"), f.login("kallio-admin"), f.login("vera")
	file, sig := f.artifact(t, "1.2.0", "keys")
	_, otherSig := f.artifact(t, "1.2.0", "other")

	for _, tc := range []struct {
		name, token, version string
		sig                  []byte
		status               int
		field                string
	}{
		{"no login", "", "1.2.0", sig, 401, ""},
		{"volunteer", vera, "1.2.0", sig, 403, ""},
		{"branch admin", scoped, "1.2.0", sig, 403, ""},
		{"another key", admin, "1.2.0", otherSig, 400, "signature"},
		{"not a signature", admin, "1.2.0", []byte("x"), 400, "signature"},
		{"named another version than signed", admin, "1.2.1", sig, 400, "version"},
		{"bad version", admin, "1.2", sig, 400, "version"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := f.upload(tc.token, tc.version, file, tc.sig, false)
			assert.Equal(t, tc.status, status, body)
			if tc.field != "" {
				assert.Equal(t, tc.field, body["field"], body)
			}
		})
	}
	entries, _ := os.ReadDir(filepath.Join(f.srv.cfg.DataDir, "releases"))
	for _, e := range entries {
		assert.Failf(t, "a refused upload left a file", e.Name())
	}

	status, body := f.upload(admin, "1.2.0", file, sig, true)
	require.Equal(t, 201, status, "file before signature is accepted too: %v", body)
	assert.EqualValues(t, fileSize(t, file), body["size"])
	status, _ = f.upload(admin, "1.2.0", file, sig, false)
	assert.Equal(t, 409, status, "a release is never replaced")
	status, list := f.do("GET", "/api/v1/releases", scoped, "")
	assert.Equal(t, 200, status, list)
}

func fileSize(t *testing.T, path string) int64 {
	fi, err := os.Stat(path)
	require.NoError(t, err)
	return fi.Size()
}

func TestReleaseDownloadResumesAndNeedsATerminal(t *testing.T) {
	f := newReleaseFleet(t)
	admin := f.login("admin")
	file, sig := f.artifact(t, "1.2.0", "keys")
	status, rel := f.upload(admin, "1.2.0", file, sig, false)
	require.Equal(t, 201, status, rel)
	_, token := f.enroll("kallio")
	want, _ := os.ReadFile(file)

	get := func(token, path, rng string) (*http.Response, []byte) {
		req, _ := http.NewRequest("GET", f.srv.URL+path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		if rng != "" {
			req.Header.Set("Range", rng)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, b
	}
	path := protocol.ReleasePath("1.2.0", "linux", "amd64")
	resp, _ := get("", path, "")
	assert.Equal(t, 401, resp.StatusCode, "staff and strangers cannot download")
	resp, _ = get(admin, path, "")
	assert.Equal(t, 401, resp.StatusCode, "a staff token is not a terminal token")
	resp, body := get(token, path, "")
	require.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, want, body)
	assert.Equal(t, `"`+rel["sha256"].(string)+`"`, resp.Header.Get("ETag"))
	resp, body = get(token, path, "bytes=1000-")
	require.Equal(t, 206, resp.StatusCode)
	assert.Equal(t, want[1000:], body)
	resp, _ = get(token, protocol.ReleasePath("9.9.9", "linux", "amd64"), "")
	assert.Equal(t, 404, resp.StatusCode)
	assert.GreaterOrEqual(t, f.srv.API.Releases.BytesSent.Load(), int64(2*len(want)-1000))
}

func TestRolloutsAreScopedAndChecked(t *testing.T) {
	f := newReleaseFleet(t)
	admin, scoped, vera := f.login("admin"), f.login("kallio-admin"), f.login("vera")
	file, sig := f.artifact(t, "1.2.0", "keys")
	status, _ := f.upload(admin, "1.2.0", file, sig, false)
	require.Equal(t, 201, status)

	for _, tc := range []struct {
		name, token, body string
		status            int
		field             string
	}{
		{"volunteer", vera, `{"version":"1.2.0","percent":10}`, 403, ""},
		{"other branch", scoped, `{"version":"1.2.0","branches":["oodi"],"percent":10}`, 404, ""},
		{"no such branch", admin, `{"version":"1.2.0","branches":["nowhere"],"percent":10}`, 400, "branches[0]"},
		{"percent 0", admin, `{"version":"1.2.0","percent":0}`, 400, "percent"},
		{"percent 101", admin, `{"version":"1.2.0","percent":101}`, 400, "percent"},
		{"no release", admin, `{"version":"3.0.0","percent":10}`, 400, "version"},
		{"unknown field", admin, `{"version":"1.2.0","percent":10,"force":true}`, 400, ""},
		{"failure share", admin, `{"version":"1.2.0","percent":10,"max_failure_percent":120}`, 400, "max_failure_percent"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := f.do("POST", "/api/v1/rollouts", tc.token, tc.body)
			assert.Equal(t, tc.status, status, body)
			if tc.field != "" {
				assert.Equal(t, tc.field, body["field"], body)
			}
		})
	}
	status, own := f.do("POST", "/api/v1/rollouts", scoped, `{"version":"1.2.0","percent":50}`)
	require.Equal(t, 201, status, own)
	assert.Equal(t, []any{"kallio"}, own["branches"], "a branch admin's rollout reaches their branches only")
	status, oodi := f.do("POST", "/api/v1/rollouts", admin, `{"version":"1.2.0","branches":["oodi"],"percent":100}`)
	require.Equal(t, 201, status, oodi)
	oodiPath := fmt.Sprintf("/api/v1/rollouts/%v", oodi["id"])
	for _, p := range []string{oodiPath, oodiPath + "/pause", oodiPath + "/rollback"} {
		method := "POST"
		if p == oodiPath {
			method = "GET"
		}
		status, _ := f.do(method, p, scoped, "")
		assert.Equal(t, 404, status, "%s %s by another branch's admin", method, p)
	}
	status, all := f.do("POST", oodiPath+"/resume", admin, "")
	assert.Equal(t, 409, status, "an active rollout is not resumed: %v", all)
	status, _ = f.do("POST", oodiPath+"/explode", admin, "")
	assert.Equal(t, 404, status)
}

// A terminal that starts installing and never comes back counts as
// failed after the rollout's health time, and the rollout pauses.
func TestRolloutPausesWhenUpdatedTerminalsDoNotComeBack(t *testing.T) {
	f := newReleaseFleet(t)
	admin := f.login("admin")
	file, sig := f.artifact(t, "1.2.0", "keys")
	status, _ := f.upload(admin, "1.2.0", file, sig, false)
	require.Equal(t, 201, status)
	id, token := f.enroll("kallio")
	ws := dialAgent(t, f.testFleet, token)
	frame, _ := protocol.Encode("h", protocol.TypeHello, protocol.Hello{AgentVersion: "1.0.0", Kind: "pc", OS: "linux/amd64", Epoch: "ep"})
	require.NoError(t, ws.WriteMessage(websocket.TextMessage, frame))
	readUntil(t, ws, protocol.TypeWelcome)

	status, ro := f.do("POST", "/api/v1/rollouts", admin, `{"version":"1.2.0","branches":["kallio"],"percent":100,"health_seconds":5}`)
	require.Equal(t, 201, status, ro)
	var n protocol.Notice
	for n.Kind != protocol.NoticeUpdate { // reservation notices come too
		require.NoError(t, protocol.DecodeBody(readUntil(t, ws, protocol.TypeNotice), &n))
	}
	var offer protocol.UpdateOffer
	require.NoError(t, json.Unmarshal(n.Data, &offer))
	require.NoError(t, offer.Validate())
	assert.Equal(t, "1.2.0", offer.Version)
	assert.Equal(t, string(sig), offer.Signature)

	report, _ := json.Marshal(protocol.UpdateReport{RolloutID: offer.RolloutID, Version: "1.2.0", Status: protocol.UpdateInstalling})
	frame, _ = protocol.Encode("e1", protocol.TypeEvent, protocol.Event{Epoch: "ep", Seq: 1, Kind: protocol.EventUpdate, At: time.Now(), Data: report})
	require.NoError(t, ws.WriteMessage(websocket.TextMessage, frame))
	path := fmt.Sprintf("/api/v1/rollouts/%d", offer.RolloutID)
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, v := f.do("GET", path, admin, "")
		if v["status"] == "paused" {
			terms := v["terminals"].([]any)
			require.Len(t, terms, 1)
			row := terms[0].(map[string]any)
			assert.Equal(t, id, row["id"])
			assert.Equal(t, "failed", row["status"])
			assert.Contains(t, row["detail"], "did not come back healthy within 5s")
			break
		}
		require.True(t, time.Now().Before(deadline), "the rollout did not pause: %v", v)
		time.Sleep(200 * time.Millisecond)
	}
}
