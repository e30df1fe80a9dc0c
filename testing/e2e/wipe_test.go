package e2e

import (
	"os"
	"os/exec"
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

// The privacy wipe at session end, through the real agent and fleet, on a
// real account (root only; see requireRootE2E).

type wipeView struct {
	Terminal  string `json:"terminal"`
	SessionID string `json:"session_id"`
	Trigger   string `json:"trigger"`
	Strategy  string `json:"strategy"`
	Verified  bool   `json:"verified"`
	Failures  []struct {
		Step, Path, Error string
	} `json:"failures"`
}

func (s *visitorSetup) wipes(t *testing.T) []wipeView {
	t.Helper()
	var list []wipeView
	require.Equal(t, 200, s.f.call("GET", "/api/v1/terminals/"+s.a.id+"/wipes", s.f.token, nil, &list))
	return list
}

func gone(p string) bool {
	_, err := os.Lstat(p)
	return os.IsNotExist(err)
}

func alive(pid int) bool {
	b, err := os.ReadFile(filepath.Join("/proc", itoa(pid), "status"))
	return err == nil && !containsZombie(string(b))
}

func TestSessionEndWipesTheVisitor(t *testing.T) {
	s := newVisitorSetup(t, "max_minutes: 30")
	s.login(t, "20000003", "1234", 0)
	planted := []string{
		s.k.plant(t, "Downloads/tax-return.pdf", "secret"),
		s.k.plant(t, ".mozilla/firefox/profile/cookies.sqlite", "cookies"),
		s.k.plant(t, ".profile", "# changed by the visitor\n"),
	}
	tmp := filepath.Join("/tmp", "visitor-"+s.k.name)
	require.NoError(t, os.WriteFile(tmp, []byte("left in /tmp"), 0o600))
	require.NoError(t, os.Chown(tmp, s.k.uid, s.k.gid))
	p := s.k.process(t, "sleep", "600")

	s.ctl(t, "", 0, "end")
	s.waitState(t, 60*time.Second, "idle")

	for _, f := range planted[:2] {
		assert.True(t, gone(f), "%s survived the wipe", f)
	}
	prof, err := os.ReadFile(planted[2])
	require.NoError(t, err)
	assert.Equal(t, "# kiosk\n", string(prof), "the skeleton's file is restored")
	assert.True(t, gone(tmp), "the visitor's /tmp file survived")
	assert.False(t, alive(p.Process.Pid), "the visitor's process survived")

	eventually(t, 30*time.Second, func() bool { return len(s.wipes(t)) == 1 }, "no receipt at the fleet")
	r := s.wipes(t)[0]
	assert.True(t, r.Verified, "%+v", r)
	assert.Equal(t, "visitor_end", r.Trigger)
	assert.NotEmpty(t, r.Strategy)
}

func TestWipeThatCannotCompleteTakesTerminalOutOfService(t *testing.T) {
	s := newVisitorSetup(t, "max_minutes: 30")
	s.login(t, "20000001", "1234", 0)
	// A mount inside the home: the engine never crosses or removes it and
	// must fail closed.
	outside := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(outside, "keep"), []byte("not the visitor's"), 0o644))
	mnt := s.k.plant(t, "usb/.keep", "")
	mnt = filepath.Dir(mnt)
	out, err := exec.Command("mount", "--bind", outside, mnt).CombinedOutput()
	if err != nil {
		t.Skipf("cannot bind-mount here: %v: %s", err, out)
	}
	t.Cleanup(func() { osuser.UnmountBelow(mnt) })

	s.ctl(t, "", 0, "end")
	s.waitState(t, 60*time.Second, "out_of_service")
	assert.Equal(t, "wipe_failed", s.a.ctlStatus()["reason"])
	_, stderr := s.ctl(t, "1234\n", 1, "login", "--card", "20000002", "--pin-stdin")
	assert.Contains(t, stderr, "refused: busy", "nobody logs in after a failed wipe")

	eventually(t, 30*time.Second, func() bool { w := s.wipes(t); return len(w) == 1 && !w[0].Verified }, "no unverified receipt at the fleet")
	var alerts []struct {
		Terminal string `json:"terminal"`
		Kind     string `json:"kind"`
		Detail   string `json:"detail"`
	}
	eventually(t, 10*time.Second, func() bool {
		require.Equal(t, 200, s.f.call("GET", "/api/v1/alerts", s.f.token, nil, &alerts))
		return len(alerts) > 0
	}, "the fleet raised no alert")
	assert.Equal(t, s.a.id, alerts[0].Terminal)

	// An admin fixes it and retries with the wipe command.
	require.NoError(t, syscall.Unmount(mnt, syscall.MNT_DETACH))
	cmd := s.f.command(s.a.id, "wipe", "", "")
	eventually(t, 60*time.Second, func() bool { return s.f.commandStatus(cmd) == "done" }, "wipe command not done",
		func() string { return s.f.commandStatus(cmd) }, s.a.proc.output)
	s.waitState(t, 10*time.Second, "idle")
	assert.FileExists(t, filepath.Join(outside, "keep"), "the wipe never reached through the mount")
	eventually(t, 30*time.Second, func() bool { w := s.wipes(t); return len(w) == 2 }, "retry receipt not at the fleet")
}

func TestAgentKilledMidSessionWipesBeforeIdle(t *testing.T) {
	s := newVisitorSetup(t, "max_minutes: 30")
	s.login(t, "20000002", "1234", 0)
	secret := s.k.plant(t, "Documents/cv.odt", "personal")
	s.k.process(t, "sleep", "600")
	s.a.proc.stop(syscall.SIGKILL)

	s.a.start()
	// Poll as the kiosk would: idle may be seen only once the home is clean.
	eventually(t, 60*time.Second, func() bool {
		st := s.a.tryStatus()
		if st == nil {
			return false
		}
		if st["state"] == "idle" {
			require.True(t, gone(secret), "agent reported idle before the recovery wipe")
			return true
		}
		return false
	}, "agent never became idle after the restart", s.a.proc.output)
	eventually(t, 30*time.Second, func() bool {
		for _, w := range s.wipes(t) {
			if w.Trigger == "recovery" && w.Verified {
				return true
			}
		}
		return false
	}, "no verified recovery receipt at the fleet")
}

func itoa(n int) string { return strconv.Itoa(n) }

func containsZombie(status string) bool { return strings.Contains(status, "State:\tZ") }
