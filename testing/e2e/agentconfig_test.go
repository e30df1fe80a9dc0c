package e2e

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"piste/testing/osuser"
)

// What a wipe may touch is decided on the terminal: a policy from the
// fleet that asks for another account, skeleton or extra paths than the
// terminal's local config allows is refused there, the admins see why,
// and nothing outside the allowed set is touched.

// agentConfig writes the terminal's local config allowing this kiosk
// account and skeleton, and returns its path.
func (k kiosk) agentConfig(t *testing.T, extraPaths ...string) string {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.Chmod(dir, 0o755))
	text := fmt.Sprintf("visitor_accounts: [%s]\nskeletons: [%s]\n", k.name, k.skel)
	if len(extraPaths) > 0 {
		text += "extra_paths: [" + strings.Join(extraPaths, ", ") + "]\n"
	}
	p := filepath.Join(dir, "agent.yaml")
	require.NoError(t, os.WriteFile(p, []byte(text), 0o644))
	return p
}

// bystander is another account of the terminal, with a home, files and a
// running process: what a widened wipe would destroy.
type bystander struct {
	name     string
	uid, gid int
	home     string
	files    []string
	proc     *exec.Cmd
}

func newBystander(t *testing.T) bystander {
	t.Helper()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	by := bystander{name: "piste-o" + hex.EncodeToString(b)}
	base := t.TempDir()
	require.NoError(t, os.Chmod(base, 0o755))
	by.home = filepath.Join(base, "it-support")
	out, err := exec.Command("useradd", "--no-create-home", "--home-dir", by.home, "--shell", "/bin/sh", "--user-group", by.name).CombinedOutput()
	require.NoError(t, err, "useradd: %s", out)
	u, err := user.Lookup(by.name)
	require.NoError(t, err)
	by.uid, _ = strconv.Atoi(u.Uid)
	by.gid, _ = strconv.Atoi(u.Gid)
	t.Cleanup(func() {
		osuser.KillAll(by.uid)
		if out, err := exec.Command("userdel", by.name).CombinedOutput(); err != nil {
			t.Errorf("userdel %s: %v: %s", by.name, err, out)
		}
	})
	require.NoError(t, os.Mkdir(by.home, 0o700))
	require.NoError(t, os.Chown(by.home, by.uid, by.gid))
	for _, rel := range []string{"notes.txt", ".ssh/id_ed25519"} {
		by.files = append(by.files, plantAs(t, filepath.Join(by.home, rel), by.uid, by.gid))
	}
	by.proc = startAsUID(t, by.uid, by.gid)
	return by
}

// plantAs writes a file owned by uid:gid, its directory too.
func plantAs(t *testing.T, p string, uid, gid int) string {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o700))
	require.NoError(t, os.Chown(filepath.Dir(p), uid, gid))
	require.NoError(t, os.WriteFile(p, []byte("not the visitor's"), 0o600))
	require.NoError(t, os.Chown(p, uid, gid))
	return p
}

// startAsUID runs a long sleep as uid; the test ends it.
func startAsUID(t *testing.T, uid, gid int) *exec.Cmd {
	t.Helper()
	cmd := exec.Command("sleep", "600")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
	require.NoError(t, cmd.Start())
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() { _ = cmd.Process.Kill(); <-done })
	return cmd
}

// putPolicyAs stores a policy layer through the API with a staff token, as
// the web page does, and returns the status.
func (f *fleet) putPolicyAs(t *testing.T, token, scope, yaml string) int {
	t.Helper()
	req, err := http.NewRequest("PUT", f.url+"/api/v1/policies/"+scope, strings.NewReader(yaml))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/yaml")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	require.Less(t, resp.StatusCode, 300, "PUT policy %s: %s", scope, body)
	return resp.StatusCode
}

type alertView struct {
	Terminal string `json:"terminal"`
	Kind     string `json:"kind"`
	Detail   string `json:"detail"`
}

// policyAlert is the terminal's open policy_refused alert, if any.
func (s *visitorSetup) policyAlert(t *testing.T) (alertView, bool) {
	t.Helper()
	var alerts []alertView
	require.Equal(t, 200, s.f.call("GET", "/api/v1/alerts", s.f.token, nil, &alerts))
	for _, a := range alerts {
		if a.Terminal == s.a.id && a.Kind == "policy_refused" {
			return a, true
		}
	}
	return alertView{}, false
}

func TestFleetPolicyCannotWidenWhatTheTerminalWipes(t *testing.T) {
	s := newVisitorSetup(t, "max_minutes: 30")
	by := newBystander(t)
	// nobody's process and a file of nobody's in /var/lib: what a wipe of
	// kiosk_user nobody with extra_paths [/var/lib] would destroy.
	nobody, err := user.Lookup("nobody")
	require.NoError(t, err)
	nobodyUID, _ := strconv.Atoi(nobody.Uid)
	nobodyGID, _ := strconv.Atoi(nobody.Gid)
	nobodyProc := startAsUID(t, nobodyUID, nobodyGID)
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	varLib := filepath.Join("/var/lib", "piste-e2e-"+hex.EncodeToString(b))
	t.Cleanup(func() { os.RemoveAll(varLib) })
	nobodyFile := plantAs(t, filepath.Join(varLib, "state", "keep"), nobodyUID, nobodyGID)
	savedBefore, err := os.ReadFile(filepath.Join(s.a.state, "policy.json"))
	require.NoError(t, err)

	// A branch-scoped admin, as the attacker would be.
	run(t, "branch admin password\n", 0, "piste-fleet", "user", "add", "--data", s.f.data, "--name", "kallio-admin", "--role", "admin", "--branch", "kallio")
	branchAdmin := s.f.login("kallio-admin", "branch admin password")

	attacks := []struct {
		name, yaml, detail string
	}{
		{"skeleton /etc", "wipe:\n  skeleton: /etc\n", `wipe.skeleton "/etc" is not allowed by this terminal's skeletons in ` + s.a.config},
		{"extra paths outside the terminal's", fmt.Sprintf("wipe:\n  extra_paths: [/var/lib, %s]\n", by.home),
			`wipe.extra_paths[0] "/var/lib" is not allowed by this terminal's extra_paths in ` + s.a.config},
		{"all at once, as nobody", fmt.Sprintf("session:\n  kiosk_user: nobody\nwipe:\n  skeleton: /etc\n  extra_paths: [/var/lib, %s]\n", by.home),
			`session.kiosk_user "nobody" is not allowed by this terminal's visitor_accounts in ` + s.a.config},
	}
	for _, tc := range attacks {
		t.Run(tc.name, func(t *testing.T) {
			s.f.putPolicyAs(t, branchAdmin, "branch:kallio", tc.yaml)
			eventually(t, 30*time.Second, func() bool {
				a, ok := s.policyAlert(t)
				return ok && strings.Contains(a.Detail, tc.detail)
			}, "the fleet shows no policy_refused alert saying: "+tc.detail,
				func() string { a, _ := s.policyAlert(t); return "alert: " + a.Detail }, s.a.proc.output)
			saved, err := os.ReadFile(filepath.Join(s.a.state, "policy.json"))
			require.NoError(t, err)
			assert.Equal(t, string(savedBefore), string(saved), "the terminal keeps its last good policy")
		})
	}

	// The last good policy stays in force: a session runs as the kiosk
	// account and its wipe touches only that account.
	s.login(t, "20000001", "1234", 0)
	visitorFile := s.k.plant(t, "Downloads/statement.pdf", "the visitor's")
	s.ctl(t, "", 0, "end")
	s.waitState(t, 60*time.Second, "idle")
	assert.True(t, gone(visitorFile), "the visitor's own file survived the wipe")
	eventually(t, 30*time.Second, func() bool { return len(s.wipes(t)) == 1 }, "no receipt at the fleet")
	r := s.wipes(t)[0]
	assert.True(t, r.Verified, "%+v", r)

	for _, f := range append(by.files, nobodyFile) {
		assert.FileExists(t, f, "another account's file was touched")
	}
	assert.True(t, alive(by.proc.Process.Pid), "another account's process was ended")
	assert.True(t, alive(nobodyProc.Process.Pid), "nobody's process was ended")
	shadow := filepath.Join(s.k.home, "shadow")
	assert.NoFileExists(t, shadow, "/etc reached the visitor's home")

	// A policy within the terminal's config applies again and settles the alert.
	s.f.putPolicyAs(t, branchAdmin, "branch:kallio", "session:\n  max_minutes: 45\n")
	s.waitPolicy(t, `"max_minutes": 45`)
	eventually(t, 30*time.Second, func() bool { _, open := s.policyAlert(t); return !open }, "the policy_refused alert stays open")
}

// The agent does not start under a config others could change, and says
// what to fix.
func TestAgentRefusesAConfigOthersCanWrite(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.Chmod(dir, 0o755))
	file := filepath.Join(dir, "agent.yaml")
	require.NoError(t, os.WriteFile(file, []byte("visitor_accounts: [piste-visitor]\nskeletons: [/etc/piste/skel]\n"), 0o644))
	require.NoError(t, os.Chmod(file, 0o666))
	_, stderr := run(t, "", 1, "piste-agent", "run", "--state", t.TempDir(), "--config", file)
	assert.Contains(t, stderr, "agent config "+file+": the file has mode 0666: group and others must not be able to write it")

	require.NoError(t, os.WriteFile(file, []byte("visitor_accounts: [root]\nskeletons: [/etc/piste/skel]\n"), 0o644))
	require.NoError(t, os.Chmod(file, 0o644))
	_, stderr = run(t, "", 1, "piste-agent", "run", "--state", t.TempDir(), "--config", file)
	assert.Contains(t, stderr, `line 1: visitor_accounts[0] must not be the administrator account "root"`)
}
