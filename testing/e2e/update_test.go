package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"piste/fleet/store"
)

// Signed updates through the real binaries: two builds of the agent at
// different versions, a release signed offline with piste-release,
// uploaded to the fleet and rolled out to one of two branches. The
// sessions need root (a real visitor account is wiped after each).

// releaseKit is the builds and keys of the update tests.
type releaseKit struct {
	dir     string
	tool    string // piste-release
	v1, v2  string // piste-agent 1.0.0 and 1.1.0
	crash   string // a piste-agent 1.3.0 that dies at start
	key     string // the trusted secret key
	pubLine string // its public key line
	other   string // a secret key the fleet and terminals do not trust
}

var buildKit = sync.OnceValues(func() (*releaseKit, error) {
	dir, err := os.MkdirTemp("", "piste-e2e-release-")
	if err != nil {
		return nil, err
	}
	k := &releaseKit{dir: dir, tool: filepath.Join(dir, "piste-release")}
	build := func(out, version, pkg string) error {
		args := []string{"build", "-o", out}
		if version != "" {
			args = append(args, "-ldflags", "-X piste/agent/cli.Version="+version)
		}
		cmd := exec.Command("go", append(args, pkg)...)
		if b, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("build %s: %v: %s", out, err, b)
		}
		return nil
	}
	k.v1, k.v2 = filepath.Join(dir, "1.0.0", "piste-agent"), filepath.Join(dir, "1.1.0", "piste-agent")
	k.crash = filepath.Join(dir, "1.3.0", "piste-agent")
	crashSrc := filepath.Join(dir, "crash")
	os.MkdirAll(crashSrc, 0o755)
	// A release that dies at start, as a bad build would.
	os.WriteFile(filepath.Join(crashSrc, "main.go"), []byte("package main\n\nfunc main() { panic(\"broken build\") }\n"), 0o644)
	os.WriteFile(filepath.Join(crashSrc, "go.mod"), []byte("module crash\n\ngo 1.21\n"), 0o644)
	for _, b := range [][3]string{{k.tool, "", "piste/fleet/cmd/piste-release"}, {k.v1, "1.0.0", "piste/agent/cmd/piste-agent"},
		{k.v2, "1.1.0", "piste/agent/cmd/piste-agent"}} {
		if err := build(b[0], b[1], b[2]); err != nil {
			return nil, err
		}
	}
	cmd := exec.Command("go", "build", "-o", k.crash, ".")
	cmd.Dir = crashSrc
	if b, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("build crashing release: %v: %s", err, b)
	}
	for _, d := range []string{"keys", "other"} {
		if b, err := exec.Command(k.tool, "keygen", "--out", filepath.Join(dir, d)).CombinedOutput(); err != nil {
			return nil, fmt.Errorf("keygen: %v: %s", err, b)
		}
	}
	k.key, k.other = filepath.Join(dir, "keys", "piste-release.key"), filepath.Join(dir, "other", "piste-release.key")
	pub, err := os.ReadFile(filepath.Join(dir, "keys", "piste-release.pub"))
	if err != nil {
		return nil, err
	}
	k.pubLine = strings.TrimSpace(lines(string(pub))[1])
	return k, nil
})

func kit(t *testing.T) *releaseKit {
	t.Helper()
	k, err := buildKit()
	require.NoError(t, err)
	return k
}

// pack builds and signs (with key) an artifact of binary as version.
func (k *releaseKit) pack(t *testing.T, version, binary, key string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "piste-agent-"+version+".tar.gz")
	b, err := exec.Command(k.tool, "pack", "--version", version, "--os", runtime.GOOS, "--arch", runtime.GOARCH, "--out", out, binary).CombinedOutput()
	require.NoError(t, err, "%s", b)
	b, err = exec.Command(k.tool, "sign", "--key", key, out).CombinedOutput()
	require.NoError(t, err, "%s", b)
	return out
}

// upload posts a release as the admin and returns the status and answer.
func upload(t *testing.T, f *fleet, version, file string, sig []byte) (int, string) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("version", version)
	mw.WriteField("os", runtime.GOOS)
	mw.WriteField("arch", runtime.GOARCH)
	mw.WriteField("signature", string(sig))
	fw, _ := mw.CreateFormFile("file", filepath.Base(file))
	data, err := os.ReadFile(file)
	require.NoError(t, err)
	fw.Write(data)
	mw.Close()
	req, _ := http.NewRequest("POST", f.url+"/api/v1/releases", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+f.token)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(raw)
}

// startAt runs an agent from the given binary (its packaged binary).
func (a *agent) startAt(binary string, extra ...string) {
	args := append([]string{"run", "--state", a.state, "--power-dry-run", "-v", "--config", a.config}, extra...)
	p := &proc{cmd: exec.Command(binary, args...), done: make(chan struct{})}
	p.cmd.Stdout, p.cmd.Stderr = p, p
	require.NoError(a.t, p.cmd.Start())
	go func() { p.cmd.Wait(); close(p.done) }()
	a.t.Cleanup(func() {
		p.stop(syscall.SIGTERM)
		if a.t.Failed() {
			a.t.Logf("agent %s output:\n%s", a.id, p.output())
		}
	})
	a.proc = p
}

func (a *agent) version() string {
	v, _ := a.tryStatus()["version"].(string)
	return v
}

type rolloutView struct {
	ID        int64          `json:"id"`
	Version   string         `json:"version"`
	Status    string         `json:"status"`
	Reason    string         `json:"reason"`
	Branches  []string       `json:"branches"`
	Targeted  int            `json:"targeted"`
	Counts    map[string]int `json:"counts"`
	Terminals []struct {
		ID, Branch, Version, Status, Detail string
	} `json:"terminals"`
}

func (f *fleet) rollout(id int64) rolloutView {
	var v rolloutView
	require.Equal(f.t, 200, f.call("GET", fmt.Sprintf("/api/v1/rollouts/%d", id), f.token, nil, &v))
	return v
}

func (v rolloutView) status(terminal string) (string, string) {
	for _, t := range v.Terminals {
		if t.ID == terminal {
			return t.Status, t.Detail
		}
	}
	return "", ""
}

func (f *fleet) startRollout(t *testing.T, version string, branches []string) int64 {
	t.Helper()
	var v rolloutView
	body := map[string]any{"version": version, "branches": branches, "percent": 100}
	require.Equal(t, 201, f.call("POST", "/api/v1/rollouts", f.token, body, &v))
	return v.ID
}

// takeOver plays a fleet whose database an attacker controls: it records a
// release with whatever bytes and signature, bypassing the upload check.
func takeOver(t *testing.T, f *fleet, version, file string, sig []byte) {
	t.Helper()
	data, err := os.ReadFile(file)
	require.NoError(t, err)
	sum := sha256.Sum256(data)
	name := "taken-over-" + version + ".tar.gz"
	require.NoError(t, os.MkdirAll(filepath.Join(f.data, "releases"), 0o700))
	require.NoError(t, os.WriteFile(filepath.Join(f.data, "releases", name), data, 0o600))
	st, err := store.Open(f.data)
	require.NoError(t, err)
	defer st.Close()
	require.NoError(t, st.AddRelease(context.Background(), store.Release{Version: version, OS: runtime.GOOS, Arch: runtime.GOARCH,
		SHA256: hex.EncodeToString(sum[:]), Size: int64(len(data)), Signature: string(sig), File: name, AddedBy: "attacker", AddedAt: time.Now()}))
}

func TestSignedUpdateRollout(t *testing.T) {
	requireRootE2E(t)
	k := kit(t)

	keys := filepath.Join(t.TempDir(), "release-keys")
	require.NoError(t, os.WriteFile(keys, []byte(k.pubLine+"\n"), 0o644))
	s := &visitorSetup{k: newKiosk(t)}
	addr := startSIP2(t)
	s.f = newFleet(t, "--heartbeat", "1s", "--sip2", addr, "--sip2-login-file", sip2LoginFile(t), "--sip2-institution", "UWOLS",
		"--release-keys", keys)
	f := s.f
	s.applyPolicy(t, "max_minutes: 30")

	config := func() string {
		p := s.k.agentConfig(t)
		b, _ := os.ReadFile(p)
		require.NoError(t, os.WriteFile(p, append(b, []byte("update_public_key: "+k.pubLine+"\n")...), 0o644))
		return p
	}
	kallio, oodi := enrollAgent(t, f, "kallio", "kallio-1"), enrollAgent(t, f, "oodi", "oodi-1")
	for _, a := range []*agent{kallio, oodi} {
		a.config = config()
		a.startAt(k.v1, "--update-health-timeout", "30s")
	}
	s.a = kallio
	for _, a := range []*agent{kallio, oodi} {
		eventually(t, 20*time.Second, func() bool { return a.version() == "1.0.0" && a.linkField("connected") == true },
			"agent 1.0.0 not up", a.proc.output)
	}
	s.waitPolicy(t, s.k.name)

	good := k.pack(t, "1.1.0", k.v2, k.key)
	goodSig, _ := os.ReadFile(good + ".minisig")

	t.Run("the fleet refuses a release that does not verify", func(t *testing.T) {
		otherKey := k.pack(t, "1.1.0", k.v2, k.other)
		otherSig, _ := os.ReadFile(otherKey + ".minisig")
		tampered := filepath.Join(t.TempDir(), "tampered.tar.gz")
		data, _ := os.ReadFile(good)
		data[len(data)/2] ^= 0x40
		require.NoError(t, os.WriteFile(tampered, data, 0o644))
		wrongSig := k.pack(t, "1.0.0", k.v1, k.key) // a real signature, of other bytes
		wrong, _ := os.ReadFile(wrongSig + ".minisig")

		for _, tc := range []struct {
			name string
			file string
			sig  []byte
		}{{"signed by another key", otherKey, otherSig}, {"tampered file", tampered, goodSig}, {"wrong signature", good, wrong},
			{"not a signature", good, []byte("hello")}} {
			code, body := upload(t, f, "1.1.0", tc.file, tc.sig)
			assert.Equal(t, 400, code, tc.name+": "+body)
			assert.Contains(t, body, `"field":"signature"`, tc.name)
		}
		_, stderr := run(t, "", 2, "piste-fleet", "release", "add", "--data", f.data, "--version", "1.1.0", "--os", runtime.GOOS,
			"--arch", runtime.GOARCH, "--release-keys", keys, tampered, good+".minisig")
		assert.Contains(t, stderr, "signature does not verify")
		entries, _ := os.ReadDir(filepath.Join(f.data, "releases"))
		for _, e := range entries {
			assert.True(t, strings.HasPrefix(e.Name(), "."), "a refused upload leaves no release file: %s", e.Name())
		}
		var rels []map[string]any
		require.Equal(t, 200, f.call("GET", "/api/v1/releases", f.token, nil, &rels))
		assert.Empty(t, rels)
	})

	// The CLI reads the trusted keys from the data directory by default.
	require.NoError(t, os.WriteFile(filepath.Join(f.data, "release-keys"), []byte(k.pubLine+"\n"), 0o644))
	out, _ := run(t, "", 0, "piste-fleet", "release", "add", "--data", f.data, "--version", "1.1.0", "--os", runtime.GOOS,
		"--arch", runtime.GOARCH, good, good+".minisig")
	require.Contains(t, out, "release 1.1.0")
	code, body := upload(t, f, "1.1.0", good, goodSig)
	require.Equal(t, 409, code, "a release is never replaced: %s", body)

	var first int64
	t.Run("a terminal in a visitor session updates only when it ends", func(t *testing.T) {
		s.login(t, "20000001", "1234", 0)
		require.Equal(t, "active", kallio.ctlStatus()["state"])
		first = f.startRollout(t, "1.1.0", []string{"kallio"})
		eventually(t, 30*time.Second, func() bool { st, _ := f.rollout(first).status(kallio.id); return st == "staged" },
			"the release was not downloaded and staged", kallio.proc.output)
		time.Sleep(2 * time.Second) // time to (wrongly) install, had it not waited
		assert.Equal(t, "1.0.0", kallio.version(), "no update during a visitor's session")
		assert.Equal(t, "active", kallio.ctlStatus()["state"])
		s.ctl(t, "", 0, "end")
		eventually(t, 60*time.Second, func() bool { return kallio.version() == "1.1.0" }, "kallio did not update after the session",
			kallio.proc.output)
	})

	t.Run("the rolled-out branch reports the new version, the other does not", func(t *testing.T) {
		eventually(t, 30*time.Second, func() bool {
			st, _ := f.rollout(first).status(kallio.id)
			return st == "updated" && f.terminal(kallio.id).AgentVersion == "1.1.0"
		}, "the fleet did not record kallio's update", kallio.proc.output)
		v := f.rollout(first)
		assert.Equal(t, 1, v.Targeted)
		assert.Equal(t, map[string]int{"updated": 1}, v.Counts)
		assert.Equal(t, "1.0.0", oodi.version())
		assert.Equal(t, "1.0.0", f.terminal(oodi.id).AgentVersion)
		link, err := os.Readlink(filepath.Join(kallio.state, "releases", "current"))
		require.NoError(t, err)
		assert.Equal(t, "1.1.0", link)
	})

	t.Run("a taken-over fleet cannot make a terminal install what the key did not sign", func(t *testing.T) {
		// Tampered bytes with the real signature of the untampered ones.
		real := k.pack(t, "1.2.0", k.v2, k.key)
		realSig, _ := os.ReadFile(real + ".minisig")
		data, _ := os.ReadFile(real)
		data[len(data)/2] ^= 0x40
		tampered := filepath.Join(t.TempDir(), "tampered-1.2.0.tar.gz")
		require.NoError(t, os.WriteFile(tampered, data, 0o644))
		takeOver(t, f, "1.2.0", tampered, realSig)
		// A release signed by the attacker's own key.
		foreign := k.pack(t, "1.2.1", k.v2, k.other)
		foreignSig, _ := os.ReadFile(foreign + ".minisig")
		takeOver(t, f, "1.2.1", foreign, foreignSig)

		for _, version := range []string{"1.2.0", "1.2.1"} {
			id := f.startRollout(t, version, []string{"kallio"})
			eventually(t, 30*time.Second, func() bool { st, _ := f.rollout(id).status(kallio.id); return st == "failed" },
				"the terminal did not refuse "+version, kallio.proc.output)
			_, detail := f.rollout(id).status(kallio.id)
			assert.Contains(t, detail, "refused")
			assert.Contains(t, detail, "signature does not verify")
			assert.Equal(t, "paused", f.rollout(id).Status, "a refusing terminal pauses the rollout")
		}
		assert.Equal(t, "1.1.0", kallio.version())
		_, err := os.Stat(filepath.Join(kallio.state, "releases", "1.2.0"))
		assert.True(t, os.IsNotExist(err), "nothing of a refused release is unpacked")
	})

	t.Run("a release that crashes at start is rolled back by the terminal and pauses the rollout", func(t *testing.T) {
		crash := k.pack(t, "1.3.0", k.crash, k.key)
		sig, _ := os.ReadFile(crash + ".minisig")
		code, body := upload(t, f, "1.3.0", crash, sig)
		require.Equal(t, 201, code, body)
		id := f.startRollout(t, "1.3.0", []string{"kallio"})
		eventually(t, 60*time.Second, func() bool { return f.rollout(id).Status == "paused" }, "the rollout did not pause",
			kallio.proc.output)
		v := f.rollout(id)
		st, detail := v.status(kallio.id)
		assert.Equal(t, "failed", st)
		assert.Contains(t, detail, "rolled_back")
		assert.Contains(t, v.Reason, "1 of 1")
		eventually(t, 30*time.Second, func() bool { return kallio.version() == "1.1.0" && kallio.linkField("connected") == true },
			"kallio is not back on 1.1.0", kallio.proc.output)
		assert.Contains(t, kallio.proc.output(), "broken build", "the crashing release did run")
	})

	t.Run("an admin rollback takes the terminal back to the version before", func(t *testing.T) {
		var v rolloutView
		require.Equal(t, 200, f.call("POST", fmt.Sprintf("/api/v1/rollouts/%d/rollback", first), f.token, nil, &v))
		assert.Equal(t, "rolled_back", v.Status)
		eventually(t, 60*time.Second, func() bool { return kallio.version() == "1.0.0" }, "kallio did not go back", kallio.proc.output)
		eventually(t, 30*time.Second, func() bool { st, _ := f.rollout(first).status(kallio.id); return st == "reverted" },
			"the fleet did not record the revert", kallio.proc.output)
		assert.Equal(t, "1.0.0", oodi.version())
	})
}
