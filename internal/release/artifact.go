package release

import (
	"archive/tar"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
)

// ManifestName is the artifact's first entry: what the release is.
const ManifestName = "release.json"

// AgentBinary is the entry every artifact holds; KioskBinary may follow.
const (
	AgentBinary = "piste-agent"
	KioskBinary = "piste-kiosk"
)

// MaxEntryBytes bounds one unpacked file (a fyne binary is ~25 MB).
const MaxEntryBytes = 256 << 20

// Manifest says what an artifact is. It is inside the signed bytes, so a
// fleet cannot pass a signed release off as another version or platform.
type Manifest struct {
	Version string `json:"version"`
	OS      string `json:"os"`
	Arch    string `json:"arch"`
}

// ErrArtifact is wrapped by every error about an artifact's contents.
var ErrArtifact = errors.New("release artifact")

// Check validates the manifest's fields.
func (m Manifest) Check() error {
	if _, err := ParseVersion(m.Version); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrArtifact, ManifestName, err)
	}
	if !isPlatformWord(m.OS) || !isPlatformWord(m.Arch) {
		return fmt.Errorf("%w: %s: os and arch must be words like linux and amd64, got %q/%q", ErrArtifact, ManifestName, m.OS, m.Arch)
	}
	return nil
}

func isPlatformWord(s string) bool {
	if s == "" || len(s) > 16 {
		return false
	}
	for _, r := range s {
		if !(('a' <= r && r <= 'z') || ('0' <= r && r <= '9')) {
			return false
		}
	}
	return true
}

// Pack writes an artifact: the manifest, then each binary by its base name
// (which must be piste-agent or piste-kiosk), mode 0755.
func Pack(w io.Writer, m Manifest, binaries ...string) error {
	if err := m.Check(); err != nil {
		return err
	}
	gz := gzip.NewWriter(w)
	tw := tar.NewWriter(gz)
	manifest, _ := json.Marshal(m)
	if err := tw.WriteHeader(&tar.Header{Name: ManifestName, Mode: 0o644, Size: int64(len(manifest)), Typeflag: tar.TypeReg}); err != nil {
		return err
	}
	if _, err := tw.Write(manifest); err != nil {
		return err
	}
	names := []string{}
	for _, b := range binaries {
		name := filepath.Base(b)
		if name != AgentBinary && name != KioskBinary || slices.Contains(names, name) {
			return fmt.Errorf("%w: binaries must be one piste-agent and at most one piste-kiosk, got %s", ErrArtifact, b)
		}
		names = append(names, name)
		if err := packFile(tw, b, name); err != nil {
			return err
		}
	}
	if !slices.Contains(names, AgentBinary) {
		return fmt.Errorf("%w: a release needs a piste-agent binary", ErrArtifact)
	}
	return errors.Join(tw.Close(), gz.Close())
}

func packFile(tw *tar.Writer, path, name string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("release: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o755, Size: fi.Size(), Typeflag: tar.TypeReg}); err != nil {
		return err
	}
	_, err = io.Copy(tw, f)
	return err
}

// ReadManifest reads the manifest at the start of an artifact, reading no
// further than it.
func ReadManifest(r io.Reader) (Manifest, error) {
	var m Manifest
	gz, err := gzip.NewReader(r)
	if err != nil {
		return m, fmt.Errorf("%w: not a tar.gz: %v", ErrArtifact, err)
	}
	tr := tar.NewReader(gz)
	h, err := tr.Next()
	if err != nil {
		return m, fmt.Errorf("%w: not a tar.gz: %v", ErrArtifact, err)
	}
	if h.Name != ManifestName || h.Typeflag != tar.TypeReg || h.Size > 4096 {
		return m, fmt.Errorf("%w: the first entry must be %s", ErrArtifact, ManifestName)
	}
	dec := json.NewDecoder(io.LimitReader(tr, 4096))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return m, fmt.Errorf("%w: %s: %v", ErrArtifact, ManifestName, err)
	}
	return m, m.Check()
}

// Extract unpacks an artifact into dir (which must not exist yet) and
// returns its manifest. Only the manifest and the known binaries are
// accepted: no links, no paths, nothing else.
func Extract(r io.Reader, dir string) (Manifest, error) {
	var m Manifest
	gz, err := gzip.NewReader(r)
	if err != nil {
		return m, fmt.Errorf("%w: not a tar.gz: %v", ErrArtifact, err)
	}
	if err := os.Mkdir(dir, 0o755); err != nil {
		return m, fmt.Errorf("release: %w", err)
	}
	tr := tar.NewReader(gz)
	seen := map[string]bool{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return m, fmt.Errorf("%w: %v", ErrArtifact, err)
		}
		switch {
		case h.Typeflag != tar.TypeReg:
			return m, fmt.Errorf("%w: entry %q is not a plain file", ErrArtifact, h.Name)
		case seen[h.Name]:
			return m, fmt.Errorf("%w: entry %q appears twice", ErrArtifact, h.Name)
		case h.Name == ManifestName && len(seen) == 0:
			dec := json.NewDecoder(io.LimitReader(tr, 4096))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&m); err != nil {
				return m, fmt.Errorf("%w: %s: %v", ErrArtifact, ManifestName, err)
			}
			if err := m.Check(); err != nil {
				return m, err
			}
		case len(seen) == 0:
			return m, fmt.Errorf("%w: the first entry must be %s", ErrArtifact, ManifestName)
		case h.Name == AgentBinary || h.Name == KioskBinary:
			if err := writeEntry(tr, h, filepath.Join(dir, h.Name)); err != nil {
				return m, err
			}
		default:
			return m, fmt.Errorf("%w: unexpected entry %q", ErrArtifact, h.Name)
		}
		seen[h.Name] = true
	}
	if !seen[AgentBinary] {
		return m, fmt.Errorf("%w: no %s inside", ErrArtifact, AgentBinary)
	}
	return m, nil
}

func writeEntry(tr *tar.Reader, h *tar.Header, path string) error {
	if h.Size < 0 || h.Size > MaxEntryBytes {
		return fmt.Errorf("%w: %s is %d bytes", ErrArtifact, h.Name, h.Size)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o755)
	if err != nil {
		return fmt.Errorf("release: %w", err)
	}
	_, err = io.Copy(f, io.LimitReader(tr, MaxEntryBytes))
	if err == nil {
		err = f.Sync()
	}
	return errors.Join(err, f.Close())
}
