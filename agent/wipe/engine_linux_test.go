package wipe

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func newTestEngine(t *testing.T, o Options) Engine {
	t.Helper()
	if o.StateDir == "" {
		o.StateDir = filepath.Join(t.TempDir(), "state")
	}
	t.Cleanup(func() { unmountAllBelow(o.StateDir) })
	return NewWithOptions(o)
}

func request(u testUser, skel string, s Strategy) Request {
	return Request{SessionID: "s-1", Trigger: TriggerVisitorEnd, User: u.name, Home: u.home, Skeleton: skel, Grace: 300 * time.Millisecond, Strategy: s}
}

// plantScript leaves a visitor's traces in the home and the shared places,
// as the visitor.
const plantScript = `set -e
cd "$HOME"
echo "my notes" > notes.txt
echo "ssh bank.example" > .bash_history
mkdir -p .config/chromium/Default .mozilla/firefox/abc.default Downloads .cache/thumbnails .ssh .local/share
echo "session=secret" > .config/chromium/Default/Cookies
echo "https://bank.example" > .config/chromium/Default/History
echo "places" > .mozilla/firefox/abc.default/places.sqlite
head -c 100000 /dev/urandom > Downloads/bank-statement.pdf
echo png > .cache/thumbnails/x.png
echo recent > .local/share/recently-used.xbel
echo key > .ssh/id_ed25519
echo "alias sudo='steal'" >> .bashrc
chmod 0777 .config
rm .profile
echo "text_scale: 200" > .config/piste/settings.yaml
ln -sf /etc/passwd .config/piste/current
echo tmp > "$TMPBASE/visitor-file"
mkdir -p "$TMPBASE/visitor-dir/nested" && echo x > "$TMPBASE/visitor-dir/nested/file"
echo vartmp > "/var/tmp/$USERNAME-file"
echo shm > "/dev/shm/$USERNAME-shm"
echo spool > "$EXTRA/visitor-spooled"
`

func TestWipeEveryStrategy(t *testing.T) {
	requireRoot(t)
	for _, s := range newTestEngine(t, Options{}).Strategies() {
		t.Run(string(s), func(t *testing.T) { testWipeEndToEnd(t, s) })
	}
}

func testWipeEndToEnd(t *testing.T, s Strategy) {
	u := newTestUser(t)
	skel := makeSkeleton(t)
	e := newTestEngine(t, Options{})
	cron, at, linger := spoolDirs(t)
	tmpBase := t.TempDir()
	require.NoError(t, os.Chmod(tmpBase, 0o1777))
	extra := t.TempDir()
	require.NoError(t, os.Chmod(extra, 0o1777))
	req := request(u, skel, s)
	req.ExtraPaths = []string{extra}

	first := req
	first.Trigger = TriggerRecovery
	requireVerified(t, e.Wipe(context.Background(), first))

	runAs(t, u, "TMPBASE="+tmpBase+" USERNAME="+u.name+" EXTRA="+extra+"\n"+plantScript)
	t.Cleanup(func() { os.Remove("/var/tmp/" + u.name + "-file"); os.Remove("/dev/shm/" + u.name + "-shm") })
	for _, f := range []string{filepath.Join(cron, u.name), filepath.Join(at, "a0001"), filepath.Join(linger, u.name)} {
		require.NoError(t, os.WriteFile(f, []byte("job"), 0o600))
		require.NoError(t, os.Chown(f, int(u.uid), int(u.gid)))
	}
	crontab := haveTool("crontab")
	if crontab {
		runAs(t, u, `echo '* * * * * echo visitor' | crontab -`)
	}
	printer := addPausedPrinter(t, u)
	if printer != "" {
		runAs(t, u, `echo "visitor's boarding pass" | lp -d `+printer)
		require.NotEmpty(t, jobsOf(lpstatJobs(t), u.name))
	}
	startAs(t, u, `trap "" TERM; sleep 600`)
	startAs(t, u, `for i in 1 2 3; do sleep 600 & done; wait`)
	startAs(t, u, `setsid sh -c 'sleep 600 &' ; sleep 600`)
	startAs(t, u, `while :; do echo data >> "`+u.home+`/growing" 2>/dev/null; echo data >> "`+tmpBase+`/growing"; done`)
	require.Eventually(t, func() bool { return len(testProcs(u.uid)) >= 7 }, 5*time.Second, 20*time.Millisecond)
	passwd := etcPasswd(t)

	r := e.Wipe(context.Background(), req)

	requireVerified(t, r)
	assert.Equal(t, s, r.Strategy)
	assert.Empty(t, r.Failures)
	assert.GreaterOrEqual(t, r.ProcessesEnded, 7)
	assert.Positive(t, r.FilesRemoved)
	assert.Empty(t, testProcs(u.uid), "processes of the visitor left")
	assertHomeIsSkeleton(t, u, skel)
	assertNothingOwned(t, u.uid, tmpBase, extra, "/var/tmp", "/dev/shm")
	for _, f := range []string{filepath.Join(cron, u.name), filepath.Join(at, "a0001"), filepath.Join(linger, u.name)} {
		assert.NoFileExists(t, f)
	}
	assert.Equal(t, passwd, etcPasswd(t))
	assert.Contains(t, strings.Join(r.StepsRun, "\n"), "clipboard")
	if crontab {
		out, _ := exec.Command("crontab", "-l", "-u", u.name).CombinedOutput()
		assert.Contains(t, string(out), "no crontab")
	}
	if printer != "" {
		assert.Empty(t, jobsOf(lpstatJobs(t), u.name), "print jobs of the visitor left")
	}
}

// addPausedPrinter adds a CUPS printer that keeps jobs queued (it is paused,
// and points at a closed loopback port so nothing is sent anywhere), or
// returns "" when no scheduler runs here.
func addPausedPrinter(t *testing.T, u testUser) string {
	t.Helper()
	if out, err := exec.Command("lpstat", "-r").CombinedOutput(); err != nil || !strings.Contains(string(out), "is running") {
		return ""
	}
	printer := "piste-test-" + u.name
	out, err := exec.Command("lpadmin", "-p", printer, "-E", "-v", "ipp://127.0.0.1:9/printers/none").CombinedOutput()
	require.NoError(t, err, "%s", out)
	t.Cleanup(func() { _ = exec.Command("lpadmin", "-x", printer).Run() })
	require.NoError(t, exec.Command("cupsdisable", printer).Run())
	return printer
}

func lpstatJobs(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("lpstat", "-o").CombinedOutput()
	require.NoError(t, err, "%s", out)
	return string(out)
}

// passwdState is what the wipe must never change about /etc/passwd. The
// whole file is not compared: tests of other packages running at the same
// time add and remove users (which rewrites it).
type passwdState struct {
	mode     os.FileMode
	uid      uint32
	rootLine string
}

func etcPasswd(t *testing.T) passwdState {
	t.Helper()
	fi, err := os.Lstat("/etc/passwd")
	require.NoError(t, err)
	b, err := os.ReadFile("/etc/passwd")
	require.NoError(t, err)
	root, _, _ := strings.Cut(string(b), "\n")
	return passwdState{mode: fi.Mode(), uid: fi.Sys().(*syscall.Stat_t).Uid, rootLine: root}
}

func TestWipeRemovesCrontabWithCronTools(t *testing.T) {
	if _, err := exec.LookPath("crontab"); err != nil {
		t.Skip("cron is not installed: the spool-file path is covered by TestWipeEveryStrategy")
	}
	u := newTestUser(t)
	skel := makeSkeleton(t)
	e := newTestEngine(t, Options{})
	cmd := exec.Command("crontab", "-u", u.name, "-")
	cmd.Stdin = strings.NewReader("* * * * * echo visitor\n")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)

	r := e.Wipe(context.Background(), request(u, skel, StrategyFiles))

	requireVerified(t, r)
	out, _ = exec.Command("crontab", "-l", "-u", u.name).CombinedOutput()
	assert.Contains(t, string(out), "no crontab")
}

// TestWipeCancelsPrintJobs needs a running CUPS scheduler with lpadmin.
func TestWipeCancelsPrintJobs(t *testing.T) {
	u := newTestUser(t)
	printer := addPausedPrinter(t, u)
	if printer == "" {
		t.Skip("needs a running CUPS scheduler (cupsd) and its client tools")
	}
	runAs(t, u, `echo "visitor's boarding pass" | lp -d `+printer)
	require.NotEmpty(t, jobsOf(lpstatJobs(t), u.name), "the job must be queued before the wipe")

	r := newTestEngine(t, Options{}).Wipe(context.Background(), request(u, makeSkeleton(t), StrategyFiles))

	requireVerified(t, r)
	assert.Contains(t, r.StepsRun, StepPrint)
	assert.Empty(t, jobsOf(lpstatJobs(t), u.name))
}
