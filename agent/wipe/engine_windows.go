package wipe

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"sync"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
)

// windowsEngine wipes a local Windows visitor account: it ends the
// account's processes, resets the profile folder file by file, removes the
// account's files from the system temp folder and cancels its print jobs.
// Owners, ACLs and modes are not compared on Windows (see doc.go).
type windowsEngine struct {
	opts Options
	mu   sync.Mutex
}

// New returns the engine for this platform with production options.
func New() Engine { return NewWithOptions(Options{}) }

// NewWithOptions returns the engine for this platform.
func NewWithOptions(o Options) Engine { return &windowsEngine{opts: o.withDefaults()} }

// Strategies lists the file-level reset only: Windows has no tmpfs or
// overlay for a profile folder.
func (e *windowsEngine) Strategies() []Strategy { return []Strategy{StrategyFiles} }

// TempDirs are the shared places a visitor can leave files in; the
// per-user temp folder is in the profile and reset with it.
var TempDirs = []string{filepath.Join(os.Getenv("SystemRoot"), "Temp")}

type winTarget struct {
	Request
	home string
	sid  *windows.SID
	want Manifest
}

func (e *windowsEngine) Wipe(ctx context.Context, req Request) Receipt {
	e.mu.Lock()
	defer e.mu.Unlock()
	rc := newRecorder(req, time.Now())
	t, err := winLookup(req)
	if err != nil {
		rc.fail(StepRequest, "", err)
		return rc.finish(false, time.Now())
	}
	if err := req.checkTrigger(); err != nil {
		rc.fail(StepRequest, "", err)
	}
	rc.setStrategy(StrategyFiles)
	e.endProcesses(rc, t)
	e.endPrint(ctx, rc, t)
	if t.want, err = pathManifest(t.Skeleton); err != nil {
		rc.fail(StepHome, t.Skeleton, err)
	} else {
		r := newPathResetter(t.want, func(_ string, err error) { rc.fail(StepHome, t.home, impersonalErr(err)) })
		r.reset(t.home, t.Skeleton, "")
		rc.removed(r.files, r.bytes)
		rc.ran(StepHome)
	}
	e.sweep(rc, t, StepTemp, func(root, p string) {
		files, bytes := pathCount(p)
		if err := os.RemoveAll(p); err != nil {
			rc.fail(StepTemp, root, impersonalErr(err))
			return
		}
		rc.removed(files, bytes)
		rc.count(root, files)
	})
	rc.ran(StepTemp)
	return rc.finish(e.verify(rc, t), time.Now())
}

func winLookup(req Request) (winTarget, error) {
	u, err := user.Lookup(req.User)
	if err != nil {
		return winTarget{}, fmt.Errorf("wipe: look up user %q: %w", req.User, err)
	}
	sid, err := windows.StringToSid(u.Uid)
	if err != nil {
		return winTarget{}, fmt.Errorf("wipe: user %q has SID %q: %w", req.User, u.Uid, err)
	}
	if sid.IsWellKnown(windows.WinLocalSystemSid) || sid.IsWellKnown(windows.WinBuiltinAdministratorsSid) {
		return winTarget{}, fmt.Errorf("wipe: user %q is a system account: refusing to wipe it", req.User)
	}
	home := req.Home
	if home == "" {
		home = u.HomeDir
	}
	if err := req.validate(home); err != nil {
		return winTarget{}, err
	}
	return winTarget{Request: req, home: home, sid: sid}, nil
}

// accountProcesses lists the processes whose token belongs to sid.
func accountProcesses(sid *windows.SID) ([]proc, error) {
	snap, err := windows.CreateToolhelp32Snapshot(windows.TH32CS_SNAPPROCESS, 0)
	if err != nil {
		return nil, fmt.Errorf("wipe: list processes: %w", err)
	}
	defer windows.CloseHandle(snap)
	var out []proc
	pe := windows.ProcessEntry32{Size: uint32(unsafe.Sizeof(windows.ProcessEntry32{}))}
	for err = windows.Process32First(snap, &pe); err == nil; err = windows.Process32Next(snap, &pe) {
		if processOwner(pe.ProcessID, sid) {
			out = append(out, proc{pid: int(pe.ProcessID), name: windows.UTF16ToString(pe.ExeFile[:])})
		}
	}
	return out, nil
}

func processOwner(pid uint32, sid *windows.SID) bool {
	h, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, pid)
	if err != nil {
		return false
	}
	defer windows.CloseHandle(h)
	var tok windows.Token
	if err := windows.OpenProcessToken(h, windows.TOKEN_QUERY, &tok); err != nil {
		return false
	}
	defer tok.Close()
	tu, err := tok.GetTokenUser()
	return err == nil && tu.User.Sid.Equals(sid)
}

// endProcesses terminates the account's processes. Windows has no signal a
// program can catch before it is ended, so there is no grace period.
func (e *windowsEngine) endProcesses(rc *recorder, t winTarget) {
	seen := map[int]bool{}
	deadline := time.Now().Add(e.opts.KillTimeout)
	for {
		procs, err := accountProcesses(t.sid)
		if err != nil {
			rc.fail(StepProcesses, "", err)
			break
		}
		if len(procs) == 0 {
			break
		}
		if time.Now().After(deadline) {
			for _, p := range procs {
				rc.fail(StepProcesses, "", fmt.Errorf("pid %d still runs after TerminateProcess", p.pid))
			}
			break
		}
		for _, p := range procs {
			seen[p.pid] = true
			terminate(uint32(p.pid), t.sid)
		}
		time.Sleep(50 * time.Millisecond)
	}
	rc.ended(len(seen))
	rc.ran(StepProcesses)
}

// terminate ends pid if its handle, once open, still belongs to sid: the
// handle pins the process, so a reused PID is never hit.
func terminate(pid uint32, sid *windows.SID) {
	h, err := windows.OpenProcess(windows.PROCESS_TERMINATE|windows.PROCESS_QUERY_LIMITED_INFORMATION, false, pid)
	if err != nil {
		return
	}
	defer windows.CloseHandle(h)
	var tok windows.Token
	if windows.OpenProcessToken(h, windows.TOKEN_QUERY, &tok) != nil {
		return
	}
	tu, err := tok.GetTokenUser()
	owned := err == nil && tu.User.Sid.Equals(sid)
	tok.Close()
	if owned {
		_ = windows.TerminateProcess(h, 1)
	}
}

// endPrint removes the account's jobs from every local print queue with the
// PrintManagement PowerShell module. The user name travels in the
// environment, never in the script text.
func (e *windowsEngine) endPrint(ctx context.Context, rc *recorder, t winTarget) {
	ps, err := exec.LookPath("powershell.exe")
	if err != nil {
		rc.skipped(StepPrint, "PowerShell not installed")
		return
	}
	ctx, cancel := context.WithTimeout(ctx, e.opts.CommandTimeout)
	defer cancel()
	script := `Get-Printer | ForEach-Object { Get-PrintJob -PrinterName $_.Name } | Where-Object { $_.UserName -eq $env:PISTE_WIPE_USER } | Remove-PrintJob`
	cmd := exec.CommandContext(ctx, ps, "-NoProfile", "-NonInteractive", "-Command", script)
	cmd.Env = append(os.Environ(), "PISTE_WIPE_USER="+t.User)
	if out, err := cmd.CombinedOutput(); err != nil {
		rc.fail(StepPrint, "", fmt.Errorf("remove print jobs: %w: %s", err, strings.TrimSpace(string(out))))
		return
	}
	rc.ran(StepPrint)
}

// sweep calls found for each top-most entry owned by the account in the
// swept places. WalkDir follows no symlink or junction.
func (e *windowsEngine) sweep(rc *recorder, t winTarget, step string, found func(root, p string)) {
	for _, root := range append(append([]string(nil), TempDirs...), t.ExtraPaths...) {
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				if !errors.Is(err, fs.ErrNotExist) {
					rc.fail(step, root, impersonalErr(err))
				}
				return nil
			}
			if p == root || p == t.home {
				return nil
			}
			if ownedBy(p, t.sid) {
				found(root, p)
				if d.IsDir() {
					return filepath.SkipDir
				}
			}
			return nil
		})
		if err != nil {
			rc.fail(step, root, impersonalErr(err))
		}
	}
}

func ownedBy(p string, sid *windows.SID) bool {
	sd, err := windows.GetNamedSecurityInfo(p, windows.SE_FILE_OBJECT, windows.OWNER_SECURITY_INFORMATION)
	if err != nil {
		return false
	}
	owner, _, err := sd.Owner()
	return err == nil && owner.Equals(sid)
}

func (e *windowsEngine) verify(rc *recorder, t winTarget) bool {
	procs, err := accountProcesses(t.sid)
	if err != nil {
		rc.fail(StepVerify, "", err)
	}
	for _, p := range procs {
		rc.fail(StepVerify, "", fmt.Errorf("process %d of the visitor still runs", p.pid))
	}
	if t.want != nil {
		got, err := pathManifest(t.home)
		if err != nil {
			rc.fail(StepVerify, t.home, impersonalErr(err))
		}
		for _, d := range diff(t.want, got, compareOpts{}) {
			rc.fail(StepVerify, t.home, errors.New(impersonal(d.Problem)))
		}
	}
	e.sweep(rc, t, StepVerify, func(root, _ string) {
		rc.fail(StepVerify, root, errors.New("file of the visitor left behind"))
	})
	rc.ran(StepVerify)
	return !rc.failed()
}
