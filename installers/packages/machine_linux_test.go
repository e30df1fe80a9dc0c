package packages

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"piste/agent/config"
)

// The packages on this machine, as an IT admin installs them: build them,
// check the MSI, install the fleet and agent packages, check what they set
// up, enroll the agent, run the visitor's session (session_linux_test.go),
// then purge both and check that nothing they added is left.

const (
	visitorName = "piste-visitor"
	kioskName   = "piste-kiosk"
	fleetName   = "piste-fleet"
)

func requireMachine(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: installs and purges real packages and accounts (CI runs as root)")
	}
	for _, tool := range []string{"dpkg", "apt-get", "useradd", "wixl", "msiinfo", "osslsigncode", "systemd-analyze"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("needs %s (make deps-test installs it)", tool)
		}
	}
	for _, name := range []string{visitorName, kioskName, fleetName} {
		if u, err := user.Lookup(name); err == nil && !madeByPackage(u) {
			t.Skipf("account %s exists and was not made by a Piste package: not touching this machine", name)
		}
	}
}

func madeByPackage(u *user.User) bool { return strings.Contains(u.Name, "package") }

// sh runs a command and fails the test unless it succeeds.
func sh(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	require.NoError(t, err, "%s %s: %s", name, strings.Join(args, " "), out)
	return string(out)
}

// apt runs apt-get, waiting for the package lock other installs hold.
func apt(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command("apt-get", append([]string{"-y", "-q", "--no-install-recommends", "-o", "DPkg::Lock::Timeout=600"}, args...)...)
	cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "apt-get %s: %s", strings.Join(args, " "), out)
	return string(out)
}

func installed(pkg string) bool {
	out, _ := exec.Command("dpkg-query", "-W", "-f=${Status}", pkg).Output()
	return strings.Contains(string(out), "installed") || strings.Contains(string(out), "config-files")
}

// testSigner makes a throwaway code-signing certificate (its own CA).
func testSigner(t *testing.T) (*Signer, string) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: "Piste test code signing", Organization: []string{"Piste tests"}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning},
		BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	dir := t.TempDir()
	cert, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	require.NoError(t, os.WriteFile(cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644))
	require.NoError(t, os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}), 0o600))
	return &Signer{Cert: cert, Key: keyFile}, cert
}

func repoRoot(t *testing.T) string {
	root, err := filepath.Abs("../..")
	require.NoError(t, err)
	return root
}

func TestPackagesOnThisMachine(t *testing.T) {
	requireMachine(t)
	signer, ca := testSigner(t)
	root := repoRoot(t)
	v, err := GitVersion(root)
	require.NoError(t, err)
	out := t.TempDir()
	r, err := Build(context.Background(), Options{Root: root, Out: out, Version: v, Sign: signer})
	require.NoError(t, err)
	t.Logf("built %s, %s, %s", filepath.Base(r.AgentDeb), filepath.Base(r.FleetDeb), filepath.Base(r.MSI))

	t.Run("sums", func(t *testing.T) {
		cmd := exec.Command("sha256sum", "-c", "SHA256SUMS")
		cmd.Dir = out
		b, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s", b)
		assert.Equal(t, 3, strings.Count(string(b), ": OK"), "%s", b)
	})
	t.Run("msi", func(t *testing.T) { checkMSI2(t, r.MSI, ca) })

	for _, pkg := range []string{"piste-agent", "piste-fleet"} {
		if installed(pkg) {
			apt(t, "purge", pkg) // left by an interrupted run
		}
	}
	cupsBefore, _ := os.ReadFile("/etc/cups/cupsd.conf")
	t.Cleanup(func() {
		for _, pkg := range []string{"piste-agent", "piste-fleet"} {
			if installed(pkg) {
				exec.Command("apt-get", "-y", "-o", "DPkg::Lock::Timeout=600", "purge", pkg).Run()
			}
		}
	})

	apt(t, "install", r.FleetDeb)
	fleetFiles := packageFiles(t, "piste-fleet")
	t.Run("fleet installed", checkFleetInstalled)
	apt(t, "install", r.AgentDeb)
	agentFiles := packageFiles(t, "piste-agent")
	t.Run("agent installed", checkAgentInstalled)

	m := startMachine(t)
	t.Run("enrolled agent serves the kiosk account only", m.checkSocket)
	t.Run("visitor session", m.visitorSession)
	m.stop()

	apt(t, "purge", "piste-agent")
	t.Run("agent purged", func(t *testing.T) {
		checkGone(t, agentFiles)
		checkGone(t, []string{"/var/lib/piste-agent", "/var/lib/piste-kiosk", "/home/piste-visitor", "/run/piste", "/run/piste-desktop",
			"/var/lib/piste-agent-package", "/etc/piste", "/etc/systemd/system/multi-user.target.wants/piste-agent.service",
			"/etc/systemd/system/graphical.target.wants/piste-kiosk.service"})
		for _, name := range []string{visitorName, kioskName} {
			_, err := user.Lookup(name)
			assert.Error(t, err, "account %s removed", name)
			_, err = user.LookupGroup(name)
			assert.Error(t, err, "group %s removed", name)
		}
		cupsAfter, _ := os.ReadFile("/etc/cups/cupsd.conf")
		assert.Equal(t, string(cupsBefore), string(cupsAfter), "cupsd.conf as before")
	})
	apt(t, "purge", "piste-fleet")
	t.Run("fleet purged", func(t *testing.T) {
		checkGone(t, fleetFiles)
		checkGone(t, []string{"/var/lib/piste-fleet", "/etc/piste-fleet", "/etc/systemd/system/multi-user.target.wants/piste-fleet.service"})
		_, err := user.Lookup(fleetName)
		assert.Error(t, err, "account piste-fleet removed")
	})
}

// checkMSI2 checks the MSI's tables, files and service entry with msiinfo,
// and its signature (and the agent's inside it) with osslsigncode.
func checkMSI2(t *testing.T, msi, ca string) {
	tables := sh(t, "msiinfo", "tables", msi)
	for _, table := range []string{"File", "Component", "ServiceInstall", "ServiceControl", "Directory"} {
		assert.Contains(t, strings.Fields(tables), table)
	}
	files := sh(t, "msiinfo", "export", msi, "File")
	for _, f := range []string{"piste-agent.exe", "agent.yaml", "shell-launcher.xml", "assigned-access.xml", "lock-down.txt"} {
		assert.Contains(t, files, "\t"+f+"\t", "file %s in the MSI", f)
	}
	svc := sh(t, "msiinfo", "export", msi, "ServiceInstall")
	row := ""
	for _, l := range strings.Split(svc, "\n") {
		if strings.HasPrefix(l, "PisteAgentService\t") {
			row = l
		}
	}
	require.NotEmpty(t, row, svc)
	f := strings.Split(row, "\t")
	assert.Equal(t, "piste-agent", f[1], "service name")
	assert.Equal(t, "16", f[3], "own process")
	assert.Equal(t, "2", f[4], "automatic start")
	assert.Equal(t, "LocalSystem", f[8])
	assert.Contains(t, f[10], `run --state "[CommonAppDataFolder]Piste\agent" --config "[INSTALLDIR]agent.yaml"`)
	props := sh(t, "msiinfo", "export", msi, "Property")
	assert.Contains(t, props, "ProductName\tPiste agent")

	verify := func(file string) error {
		b, err := exec.Command("osslsigncode", "verify", "-CAfile", ca, "-in", file).CombinedOutput()
		if err == nil && !strings.Contains(string(b), "Signature verification: ok") {
			return fmt.Errorf("no ok: %s", b)
		}
		if err != nil {
			return fmt.Errorf("%v: %s", err, b)
		}
		return nil
	}
	assert.NoError(t, verify(msi), "the MSI's signature")
	dir := t.TempDir()
	sh(t, "msiextract", "-C", dir, msi)
	exes, _ := filepath.Glob(filepath.Join(dir, "*", "*", "piste-agent.exe"))
	if exes == nil {
		exes, _ = filepath.Glob(filepath.Join(dir, "*", "piste-agent.exe"))
	}
	require.Len(t, exes, 1, "piste-agent.exe extracted from the MSI")
	assert.NoError(t, verify(exes[0]), "the agent's own signature")

	b, err := os.ReadFile(msi)
	require.NoError(t, err)
	b[len(b)/2] ^= 0xff
	tampered := filepath.Join(dir, "tampered.msi")
	require.NoError(t, os.WriteFile(tampered, b, 0o644))
	assert.Error(t, verify(tampered), "a changed MSI fails verification")
}

// packageFiles lists the regular files and links an installed package owns.
func packageFiles(t *testing.T, pkg string) []string {
	var files []string
	for _, l := range strings.Split(sh(t, "dpkg", "-L", pkg), "\n") {
		// Directories (and links to them, like /lib on a merged /usr) are
		// shared with other packages.
		if fi, err := os.Stat(l); err == nil && !fi.IsDir() {
			files = append(files, l)
		}
	}
	require.NotEmpty(t, files)
	return files
}

func checkGone(t *testing.T, paths []string) {
	t.Helper()
	for _, p := range paths {
		_, err := os.Lstat(p)
		assert.True(t, os.IsNotExist(err), "%s still there after purge", p)
	}
}

func checkMode(t *testing.T, path string, mode os.FileMode, usr, grp string) {
	t.Helper()
	fi, err := os.Stat(path)
	if !assert.NoError(t, err) {
		return
	}
	assert.Equal(t, mode, fi.Mode().Perm(), "mode of %s", path)
	st := fi.Sys().(*syscall.Stat_t)
	u, _ := user.LookupId(strconv.Itoa(int(st.Uid)))
	g, _ := user.LookupGroupId(strconv.Itoa(int(st.Gid)))
	if assert.NotNil(t, u, "owner of %s", path) && assert.NotNil(t, g, "group of %s", path) {
		assert.Equal(t, usr+":"+grp, u.Username+":"+g.Name, "owner of %s", path)
	}
}

// verifyUnit runs systemd-analyze verify; a warning about the unit fails.
func verifyUnit(t *testing.T, unit string) {
	t.Helper()
	b, err := exec.Command("systemd-analyze", "verify", "--man=no", unit).CombinedOutput()
	assert.NoError(t, err, "%s", b)
	for _, l := range strings.Split(string(b), "\n") {
		assert.NotContains(t, l, filepath.Base(unit), "systemd-analyze verify: %s", l)
		assert.NotContains(t, l, "piste", "systemd-analyze verify: %s", l)
	}
}

func checkFleetInstalled(t *testing.T) {
	verifyUnit(t, "/lib/systemd/system/piste-fleet.service")
	unit, err := os.ReadFile("/lib/systemd/system/piste-fleet.service")
	require.NoError(t, err)
	for _, want := range []string{"User=piste-fleet", "NoNewPrivileges=yes", "ProtectSystem=strict", "PrivateTmp=yes",
		"ReadWritePaths=/var/lib/piste-fleet", "Restart=on-failure", "StandardOutput=journal"} {
		assert.Contains(t, string(unit), "\n"+want+"\n")
	}
	u, err := user.Lookup(fleetName)
	require.NoError(t, err)
	uid, _ := strconv.Atoi(u.Uid)
	assert.Less(t, uid, 1000, "piste-fleet is a system account")
	checkMode(t, "/var/lib/piste-fleet", 0o700, fleetName, fleetName)
	checkMode(t, "/etc/piste-fleet/fleet.yaml", 0o640, "root", fleetName)
	_, err = os.Lstat("/etc/systemd/system/multi-user.target.wants/piste-fleet.service")
	assert.NoError(t, err, "the service is enabled")
}

func checkAgentInstalled(t *testing.T) {
	for _, unit := range []string{"piste-agent", "piste-kiosk", "piste-session-keeper"} {
		verifyUnit(t, "/lib/systemd/system/"+unit+".service")
	}
	unit, err := os.ReadFile("/lib/systemd/system/piste-agent.service")
	require.NoError(t, err)
	assert.Contains(t, string(unit), "\nExecStart=/usr/bin/piste-agent run --state /var/lib/piste-agent ")
	assert.Regexp(t, `\nExecStart=/usr/bin/piste-agent run .* --desktop-dir /run/piste-desktop\b`, string(unit),
		"the agent writes the visitor's desktop settings where the session reads them")
	session, err := os.ReadFile("/usr/lib/piste/piste-session")
	require.NoError(t, err)
	assert.Contains(t, string(session), "desktop_dir=/run/piste-desktop\n", "the session reads the agent's --desktop-dir")
	checkMode(t, "/usr/lib/piste/piste-desktop-apply", 0o755, "root", "root")

	v, err := user.Lookup(visitorName)
	require.NoError(t, err)
	vid, _ := strconv.Atoi(v.Uid)
	assert.True(t, vid >= 29000 && vid <= 29999, "the visitor's uid %d is in the visitor range", vid)
	assert.Equal(t, "/home/piste-visitor", v.HomeDir)
	checkMode(t, "/home/piste-visitor", 0o700, visitorName, visitorName)
	assert.Contains(t, sh(t, "passwd", "--status", visitorName), visitorName+" L", "the visitor has no password")
	k, err := user.Lookup(kioskName)
	require.NoError(t, err)
	kid, _ := strconv.Atoi(k.Uid)
	assert.Less(t, kid, 1000, "the kiosk account is a system account")
	assert.NotEqual(t, vid, kid)
	kgids, _ := k.GroupIds()
	assert.NotContains(t, kgids, v.Gid, "the kiosk account is not in the visitor's group")

	checkMode(t, "/etc/piste/agent.yaml", 0o644, "root", "root")
	checkMode(t, "/etc/piste/skel", 0o755, "root", "root")
	checkMode(t, "/var/lib/piste-agent", 0o700, "root", "root")
	checkMode(t, "/run/piste", 0o750, "root", kioskName)
	checkMode(t, "/run/piste-desktop", 0o755, "root", "root")
	checkMode(t, "/var/lib/piste-kiosk", 0o700, kioskName, kioskName)
	cfg, err := config.Load("/etc/piste/agent.yaml")
	require.NoError(t, err, "the agent accepts the package's config")
	assert.Equal(t, []string{visitorName}, cfg.VisitorAccounts)
	assert.Equal(t, []string{"/etc/piste/skel"}, cfg.Skeletons)
	assert.Contains(t, cfg.StaffAccounts, kioskName)
	text, _ := os.ReadFile("/etc/piste/agent.yaml")
	assert.Contains(t, string(text), "\n# update_public_key:")

	logind, err := os.ReadFile("/etc/systemd/logind.conf.d/50-piste.conf")
	require.NoError(t, err)
	for _, want := range []string{"KillUserProcesses=yes", "KillOnlyUsers=piste-visitor", "RemoveIPC=yes"} {
		assert.Contains(t, string(logind), "\n"+want+"\n")
	}
	if cups, err := os.ReadFile("/etc/cups/cupsd.conf"); err == nil {
		var lines []string
		for _, l := range strings.Split(string(cups), "\n") {
			if strings.HasPrefix(l, "PreserveJobFiles") {
				lines = append(lines, l)
			}
		}
		assert.Equal(t, []string{"PreserveJobFiles No # piste-agent"}, lines)
	}
	lightdm, err := os.ReadFile("/etc/lightdm/lightdm.conf.d/50-piste.conf")
	require.NoError(t, err)
	for _, want := range []string{"autologin-user=piste-visitor", "autologin-session=piste-visitor", "allow-user-switching=false",
		"session-cleanup-script=/usr/lib/piste/session-cleanup"} {
		assert.Contains(t, string(lightdm), "\n"+want+"\n")
	}
	rc, err := os.ReadFile("/usr/share/piste/openbox/rc.xml")
	require.NoError(t, err)
	for _, banned := range []string{`name="Execute"`, `name="Exit"`, `name="Restart"`, `name="Reconfigure"`, `name="SessionLogout"`, `name="ShowMenu"><menu>client-list`} {
		assert.NotContains(t, withoutComments(string(rc)), banned, "the visitor's window manager has no %s binding", banned)
	}
	menu, err := os.ReadFile("/etc/piste/menu.xml")
	require.NoError(t, err)
	for _, cmd := range regexp.MustCompile(`<command>([^<]*)</command>`).FindAllStringSubmatch(string(menu), -1) {
		prog := strings.Fields(cmd[1])[0]
		assert.Contains(t, []string{"chromium", "libreoffice", "atril"}, prog, "the menu runs only the library's programs")
	}
	for _, banned := range []string{`name="Exit"`, `name="Restart"`, `name="SessionLogout"`} {
		assert.NotContains(t, withoutComments(string(menu)), banned)
	}
	for _, link := range []string{"/etc/systemd/system/multi-user.target.wants/piste-agent.service",
		"/etc/systemd/system/graphical.target.wants/piste-kiosk.service", "/etc/systemd/system/graphical.target.wants/piste-session-keeper.service"} {
		_, err := os.Lstat(link)
		assert.NoError(t, err, "enabled: %s", link)
	}
}

func withoutComments(xml string) string {
	return regexp.MustCompile(`(?s)<!--.*?-->`).ReplaceAllString(xml, "")
}

// account is an OS account processes run as.
type account struct {
	name     string
	uid, gid uint32
	groups   []uint32
	home     string
}

func lookupAccount(t *testing.T, name string) account {
	u, err := user.Lookup(name)
	require.NoError(t, err)
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	a := account{name: name, uid: uint32(uid), gid: uint32(gid), home: u.HomeDir}
	gids, _ := u.GroupIds()
	for _, g := range gids {
		n, _ := strconv.Atoi(g)
		a.groups = append(a.groups, uint32(n))
	}
	return a
}

// command runs argv as the account with a login-like environment.
func (a account) command(env []string, argv ...string) *exec.Cmd {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Credential: &syscall.Credential{Uid: a.uid, Gid: a.gid, Groups: a.groups}}
	cmd.Env = append([]string{"HOME=" + a.home, "USER=" + a.name, "LOGNAME=" + a.name, "PATH=/usr/local/bin:/usr/bin:/bin",
		"LANG=C.UTF-8"}, env...)
	cmd.Dir = "/"
	return cmd
}

// service is a long-running process restarted when it exits, as systemd's
// Restart=always does for the package's units (systemd is not PID 1 here).
type service struct {
	name   string
	start  func() *exec.Cmd
	mu     sync.Mutex
	cmd    *exec.Cmd
	out    bytes.Buffer
	stopCh chan struct{}
	done   chan struct{}
}

func runService(name string, start func() *exec.Cmd) *service {
	s := &service{name: name, start: start, stopCh: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		for {
			cmd := s.start()
			cmd.Stdout, cmd.Stderr = s, s
			s.mu.Lock()
			err := cmd.Start()
			s.cmd = cmd
			s.mu.Unlock()
			if err == nil {
				cmd.Wait()
			}
			select {
			case <-s.stopCh:
				return
			case <-time.After(500 * time.Millisecond):
			}
		}
	}()
	return s
}

func (s *service) Write(b []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.out.Len() < 1<<20 {
		s.out.Write(b)
	}
	return len(b), nil
}

func (s *service) output() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.out.String()
}

func (s *service) stop() {
	close(s.stopCh)
	s.mu.Lock()
	if s.cmd != nil && s.cmd.Process != nil {
		s.cmd.Process.Signal(syscall.SIGTERM)
	}
	s.mu.Unlock()
	select {
	case <-s.done:
	case <-time.After(15 * time.Second):
		s.mu.Lock()
		s.cmd.Process.Kill()
		s.mu.Unlock()
		<-s.done
	}
}

// execStart reads a unit's ExecStart as argv.
func execStart(t *testing.T, unit string) []string {
	lines := execLines(t, unit, "ExecStart=")
	require.Len(t, lines, 1, "%s has one ExecStart", unit)
	return lines[0]
}

// execLines reads a unit's lines with the key as argvs, with the display
// :0 replaced by display when one is given.
func execLines(t *testing.T, unit, key string, display ...string) [][]string {
	b, err := os.ReadFile("/lib/systemd/system/" + unit)
	require.NoError(t, err)
	var out [][]string
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, key); ok {
			argv := strings.Fields(v)
			for i, a := range argv {
				if a == ":0" && len(display) > 0 {
					argv[i] = display[0]
				}
			}
			out = append(out, argv)
		}
	}
	return out
}

func freePort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().String()
}

func eventually(t *testing.T, timeout time.Duration, cond func() bool, what string, detail ...func() string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, d := range detail {
		what += "\n" + d()
	}
	t.Fatal(what)
}
