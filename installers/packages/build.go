// Package packages builds Piste's installable packages into one directory:
// the agent and fleet .deb files (with nfpm, as a library), the Windows
// agent MSI (with wixl) Authenticode-signed with osslsigncode, and
// SHA256SUMS over them.
package packages

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

// Options say what to build and where.
type Options struct {
	// Root is the source tree (the module's root).
	Root string
	// Out is where the packages go (dist/).
	Out string
	// Version is the packages' version; GitVersion reads it from the tree.
	Version Version
	// Sign signs the Windows binaries; nil leaves them unsigned (said in
	// the file name's absence of nothing: Build reports it).
	Sign *Signer
	// NoMSI skips the Windows package (no wixl here).
	NoMSI bool
	// Log receives progress lines; nil discards them.
	Log io.Writer
}

// Result names what Build made.
type Result struct {
	AgentDeb, FleetDeb, MSI, Sums string
	Signed                        bool
}

// Build compiles the binaries and makes the packages.
func Build(ctx context.Context, o Options) (Result, error) {
	if o.Log == nil {
		o.Log = io.Discard
	}
	if err := os.MkdirAll(o.Out, 0o755); err != nil {
		return Result{}, fmt.Errorf("packages: %w", err)
	}
	work, err := os.MkdirTemp("", "piste-packages-")
	if err != nil {
		return Result{}, fmt.Errorf("packages: %w", err)
	}
	defer os.RemoveAll(work)
	bin := filepath.Join(work, "bin")
	if err := buildBinaries(ctx, o, bin); err != nil {
		return Result{}, err
	}
	var r Result
	src := filepath.Join(o.Root, "installers", "linux")
	env := map[string]string{"VERSION": o.Version.Deb, "BIN": bin, "SRC": src}
	if r.AgentDeb, err = buildDeb(filepath.Join(src, "agent", "nfpm.yaml"), env, o.Out); err != nil {
		return r, err
	}
	fmt.Fprintln(o.Log, "built", r.AgentDeb)
	if r.FleetDeb, err = buildDeb(filepath.Join(src, "fleet", "nfpm.yaml"), env, o.Out); err != nil {
		return r, err
	}
	fmt.Fprintln(o.Log, "built", r.FleetDeb)
	if !o.NoMSI {
		if r.MSI, err = buildMSI(ctx, o, bin, work); err != nil {
			return r, err
		}
		r.Signed = o.Sign != nil
		fmt.Fprintln(o.Log, "built", r.MSI, signedWord(r.Signed))
	}
	if r.Sums, err = writeSums(o.Out, r.AgentDeb, r.FleetDeb, r.MSI); err != nil {
		return r, err
	}
	return r, nil
}

func signedWord(signed bool) string {
	if signed {
		return "(signed)"
	}
	return "(UNSIGNED: give a code-signing certificate to sign it)"
}

// buildBinaries compiles the Linux binaries and the Windows agent.
func buildBinaries(ctx context.Context, o Options, bin string) error {
	ldflags := "-s -w -X piste/fleet/cli.Version=" + o.Version.Deb + " -X piste/agent/cli.Version=" + o.Version.Deb
	builds := []struct {
		env  []string
		out  string
		pkgs []string
	}{
		{[]string{"GOOS=linux", "GOARCH=amd64", "CGO_ENABLED=0"}, bin + "/",
			[]string{"./agent/cmd/piste-agent", "./fleet/cmd/piste-fleet", "./installers/cmd/piste-session-keeper"}},
		// fyne draws with OpenGL through cgo.
		{[]string{"GOOS=linux", "GOARCH=amd64", "CGO_ENABLED=1"}, bin + "/", []string{"./kiosk-ui/cmd/piste-kiosk"}},
	}
	if !o.NoMSI {
		builds = append(builds, struct {
			env  []string
			out  string
			pkgs []string
		}{[]string{"GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0"}, filepath.Join(bin, "piste-agent.exe"), []string{"./agent/cmd/piste-agent"}})
	}
	for _, b := range builds {
		args := append([]string{"build", "-ldflags", ldflags, "-o", b.out}, b.pkgs...)
		cmd := exec.CommandContext(ctx, "go", args...)
		cmd.Dir, cmd.Env = o.Root, append(os.Environ(), b.env...)
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("packages: go build %s (%s): %w\n%s", strings.Join(b.pkgs, " "), strings.Join(b.env, " "), err, out)
		}
	}
	return nil
}

// writeSums writes SHA256SUMS in the format sha256sum -c reads.
func writeSums(dir string, files ...string) (string, error) {
	var lines []string
	for _, f := range files {
		if f == "" {
			continue
		}
		sum, err := fileSHA256(f)
		if err != nil {
			return "", err
		}
		lines = append(lines, sum+"  "+filepath.Base(f))
	}
	sort.Strings(lines)
	path := filepath.Join(dir, "SHA256SUMS")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		return "", fmt.Errorf("packages: %w", err)
	}
	return path, nil
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("packages: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("packages: read %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
