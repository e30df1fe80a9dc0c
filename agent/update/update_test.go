package update

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"piste/fleet/protocol"
	"piste/internal/release"
)

// fakeFleet serves release bytes the way the fleet does (Range, ETag),
// but serves whatever it is given: a taken-over fleet. It can cut the
// first answer short to test resuming.
type fakeFleet struct {
	*httptest.Server
	data     []byte
	cutFirst atomic.Bool
	ranges   atomic.Int32
}

func newFakeFleet(t *testing.T, data []byte) *fakeFleet {
	f := &fakeFleet{data: data}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer tok" {
			http.Error(w, "no", 401)
			return
		}
		if r.Header.Get("Range") != "" {
			f.ranges.Add(1)
		}
		sum := sha256.Sum256(f.data)
		w.Header().Set("ETag", `"`+hex.EncodeToString(sum[:])+`"`)
		if f.cutFirst.CompareAndSwap(true, false) {
			w.Header().Set("Content-Length", "999999999")
			w.WriteHeader(200)
			w.Write(f.data[:len(f.data)/2])
			return // the client sees the connection end early
		}
		http.ServeContent(w, r, "r.tar.gz", time.Time{}, strings.NewReader(string(f.data)))
	}))
	t.Cleanup(f.Close)
	return f
}

type keys struct{ dir, pubLine string }

func newKeys(t *testing.T, name string) keys {
	dir := filepath.Join(t.TempDir(), name)
	pub, err := release.GenerateKeys(dir)
	require.NoError(t, err)
	b, _ := os.ReadFile(pub)
	return keys{dir: dir, pubLine: strings.Split(strings.TrimSpace(string(b)), "\n")[1]}
}

// signedRelease packs a fake agent as version and signs it with k.
func signedRelease(t *testing.T, version string, k keys) ([]byte, string) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "piste-agent")
	require.NoError(t, os.WriteFile(bin, []byte(strings.Repeat("agent "+version+"\n", 20000)), 0o755))
	file := filepath.Join(dir, "r.tar.gz")
	f, _ := os.Create(file)
	require.NoError(t, release.Pack(f, release.Manifest{Version: version, OS: runtime.GOOS, Arch: runtime.GOARCH}, bin))
	f.Close()
	sigPath, err := release.SignFile(filepath.Join(k.dir, release.PrivateKeyFile), file)
	require.NoError(t, err)
	data, _ := os.ReadFile(file)
	sig, _ := os.ReadFile(sigPath)
	return data, string(sig)
}

type rig struct {
	u        *Updater
	state    string
	mu       sync.Mutex
	reports  []protocol.UpdateReport
	idle     atomic.Bool
	restarts atomic.Int32
}

func newRig(t *testing.T, fleet *fakeFleet, running, pubLine string) *rig {
	r := &rig{state: t.TempDir()}
	r.idle.Store(true)
	server, _ := url.Parse(fleet.URL)
	u, err := New(Config{StateDir: r.state, PublicKey: pubLine, Running: running, Server: server, Token: "tok",
		Client: fleet.Client(), IdlePoll: 10 * time.Millisecond,
		Append: func(kind string, data any) (uint64, error) {
			r.mu.Lock()
			defer r.mu.Unlock()
			r.reports = append(r.reports, data.(protocol.UpdateReport))
			return uint64(len(r.reports)), nil
		},
		Idle: r.idle.Load, Restart: func() { r.restarts.Add(1) }})
	require.NoError(t, err)
	r.u = u
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); u.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return r
}

func (r *rig) last() protocol.UpdateReport {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.reports) == 0 {
		return protocol.UpdateReport{}
	}
	return r.reports[len(r.reports)-1]
}

func (r *rig) waitStatus(t *testing.T, want protocol.UpdateStatus) protocol.UpdateReport {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if rep := r.last(); rep.Status == want {
			return rep
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no %s report; last %+v", want, r.last())
	return protocol.UpdateReport{}
}

func offerOf(data []byte, version, sig string) protocol.UpdateOffer {
	sum := sha256.Sum256(data)
	return protocol.UpdateOffer{RolloutID: 1, Version: version, Path: protocol.ReleasePath(version, runtime.GOOS, runtime.GOARCH),
		SHA256: hex.EncodeToString(sum[:]), Size: int64(len(data)), Signature: sig}
}

func TestUpdateResumesInstallsBetweenSessionsAndKeepsThePrevious(t *testing.T) {
	k := newKeys(t, "k")
	data, sig := signedRelease(t, "1.1.0", k)
	fleet := newFakeFleet(t, data)
	fleet.cutFirst.Store(true)
	r := newRig(t, fleet, "1.0.0", k.pubLine)
	r.idle.Store(false) // a visitor session runs

	r.u.Offer(offerOf(data, "1.1.0", sig))
	r.waitStatus(t, protocol.UpdateStaged)
	assert.EqualValues(t, 1, fleet.ranges.Load(), "the cut download resumed with a Range request")
	time.Sleep(100 * time.Millisecond)
	assert.Zero(t, r.restarts.Load(), "nothing is installed during a session")
	_, err := os.Lstat(filepath.Join(Dir(r.state), "current"))
	assert.True(t, os.IsNotExist(err))

	r.idle.Store(true)
	r.waitStatus(t, protocol.UpdateInstalling)
	assert.EqualValues(t, 1, r.restarts.Load())
	assert.Equal(t, "1.1.0", linkVersion(Dir(r.state), currentLink))
	assert.Equal(t, "", linkVersion(Dir(r.state), previousLink), "previous is the packaged binary")
	tr, ok, err := ReadTrial(Dir(r.state))
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, "1.0.0", tr.From)
	b, err := os.ReadFile(binary(Dir(r.state), "1.1.0"))
	require.NoError(t, err)
	assert.Contains(t, string(b), "agent 1.1.0")
}

func TestUpdateRefusals(t *testing.T) {
	k, other := newKeys(t, "k"), newKeys(t, "other")
	good, goodSig := signedRelease(t, "1.1.0", k)
	foreign, foreignSig := signedRelease(t, "1.1.0", other)
	tampered := append([]byte{}, good...)
	tampered[len(tampered)/2] ^= 1
	old, oldSig := signedRelease(t, "0.9.0", k)
	relabelled, relabelledSig := signedRelease(t, "1.0.5", k) // signed as 1.0.5, offered as 1.1.0

	for _, tc := range []struct {
		name    string
		served  []byte
		offer   protocol.UpdateOffer
		running string
		key     string
		want    string
	}{
		{"another key", foreign, offerOf(foreign, "1.1.0", foreignSig), "1.0.0", k.pubLine, "signature does not verify"},
		{"tampered, hash to match", tampered, offerOf(tampered, "1.1.0", goodSig), "1.0.0", k.pubLine, "signature does not verify"},
		{"tampered in transit", tampered, offerOf(good, "1.1.0", goodSig), "1.0.0", k.pubLine, "does not match the offered SHA-256"},
		{"a downgrade", old, offerOf(old, "0.9.0", oldSig), "1.0.0", k.pubLine, "not newer than the running 1.0.0"},
		{"another version than signed", relabelled, offerOf(relabelled, "1.1.0", relabelledSig), "1.0.0", k.pubLine, "the signed release is 1.0.5"},
		{"no key configured", good, offerOf(good, "1.1.0", goodSig), "1.0.0", "", "no update_public_key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, newFakeFleet(t, tc.served), tc.running, tc.key)
			r.u.Offer(tc.offer)
			rep := r.waitStatus(t, protocol.UpdateRefused)
			assert.Contains(t, rep.Detail, tc.want)
			assert.Zero(t, r.restarts.Load())
			_, err := os.Lstat(filepath.Join(Dir(r.state), "current"))
			assert.True(t, os.IsNotExist(err), "nothing installed")
			_, err = os.Stat(filepath.Join(Dir(r.state), tc.offer.Version))
			assert.True(t, os.IsNotExist(err), "nothing unpacked")
		})
	}
}

func TestLauncherRollBackRestoresPreviousAndReports(t *testing.T) {
	dir := Dir(t.TempDir())
	for _, v := range []string{"1.1.0", "1.2.0"} {
		require.NoError(t, os.MkdirAll(filepath.Join(dir, v), 0o755))
		require.NoError(t, os.WriteFile(binary(dir, v), []byte("#!/bin/sh\n"), 0o755))
	}
	require.NoError(t, setLink(dir, previousLink, "1.1.0"))
	require.NoError(t, setLink(dir, currentLink, "1.2.0"))
	tr := Trial{Version: "1.2.0", From: "1.1.0", RolloutID: 7, Started: time.Now(), Deadline: Duration(time.Minute)}
	require.NoError(t, writeJSON(filepath.Join(dir, trialFile), tr))

	v, got, onTrial := chosen(dir, "1.0.0", testLog(t))
	require.Equal(t, "1.2.0", v)
	require.True(t, onTrial)
	require.NoError(t, rollBack(dir, got, "exited before reaching the fleet", testLog(t)))
	assert.Equal(t, "1.1.0", linkVersion(dir, currentLink))
	assert.Equal(t, "", linkVersion(dir, previousLink))
	_, ok, _ := ReadTrial(dir)
	assert.False(t, ok)
	var rep protocol.UpdateReport
	b, err := os.ReadFile(filepath.Join(dir, reportFile))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &rep))
	assert.Equal(t, protocol.UpdateRolledBack, rep.Status)
	assert.EqualValues(t, 7, rep.RolloutID)
	assert.Contains(t, loadRefused(dir), "1.2.0", "a failed version is never installed again")

	v, _, onTrial = chosen(dir, "1.0.0", testLog(t))
	assert.Equal(t, "1.1.0", v)
	assert.False(t, onTrial)
	v, _, _ = chosen(dir, "1.5.0", testLog(t))
	assert.Equal(t, "", v, "a packaged binary newer than the release runs itself")
}
