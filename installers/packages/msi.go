package packages

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"text/template"
)

// buildMSI signs the Windows agent, writes the lock-down files and makes
// the MSI with wixl, then signs the MSI.
func buildMSI(ctx context.Context, o Options, bin, work string) (string, error) {
	// wixl takes sources relative to where it runs: gather them in one folder.
	dir := filepath.Join(work, "msi")
	if err := WriteLockDown(dir, DefaultLockDown()); err != nil {
		return "", err
	}
	win := filepath.Join(o.Root, "installers", "windows")
	for _, f := range []string{"lock-down.txt", "agent.yaml"} {
		if err := copyFile(filepath.Join(win, f), filepath.Join(dir, f)); err != nil {
			return "", err
		}
	}
	exe := filepath.Join(dir, "piste-agent.exe")
	if o.Sign != nil {
		if err := o.Sign.Sign(ctx, filepath.Join(bin, "piste-agent.exe"), exe); err != nil {
			return "", err
		}
	} else if err := copyFile(filepath.Join(bin, "piste-agent.exe"), exe); err != nil {
		return "", err
	}
	fields := map[string]string{
		"Version": o.Version.MSI, "AgentExe": "piste-agent.exe", "ShellLauncher": "shell-launcher.xml",
		"AssignedAccess": "assigned-access.xml", "LockDownReadme": "lock-down.txt", "AgentYaml": "agent.yaml",
	}
	tmpl, err := template.ParseFiles(filepath.Join(win, "piste-agent.wxs"))
	if err != nil {
		return "", fmt.Errorf("packages: %w", err)
	}
	wxs := filepath.Join(dir, "piste-agent.wxs")
	f, err := os.Create(wxs)
	if err != nil {
		return "", fmt.Errorf("packages: %w", err)
	}
	err = tmpl.Execute(f, fields)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", fmt.Errorf("packages: write %s: %w", wxs, err)
	}
	name := fmt.Sprintf("piste-agent-%s-x64.msi", o.Version.Deb)
	unsigned := filepath.Join(work, name)
	wixl := exec.CommandContext(ctx, "wixl", "-a", "x64", "-o", unsigned, "piste-agent.wxs")
	wixl.Dir = dir
	if b, err := wixl.CombinedOutput(); err != nil {
		return "", fmt.Errorf("packages: wixl: %w\n%s", err, b)
	}
	target := filepath.Join(o.Out, name)
	if o.Sign != nil {
		return target, o.Sign.Sign(ctx, unsigned, target)
	}
	return target, copyFile(unsigned, target)
}

func copyFile(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return fmt.Errorf("packages: %w", err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		return fmt.Errorf("packages: %w", err)
	}
	return nil
}
