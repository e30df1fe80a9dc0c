package release

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"aead.dev/minisign"
)

// Key file names written by GenerateKeys.
const (
	PrivateKeyFile = "piste-release.key"
	PublicKeyFile  = "piste-release.pub"
	// SignatureSuffix is added to a file's name for its signature.
	SignatureSuffix = ".minisig"
	// MaxSignatureBytes bounds a signature file; real ones are ~300 bytes.
	MaxSignatureBytes = 4 << 10
)

// ErrBadSignature means a release does not verify against any trusted key.
var ErrBadSignature = errors.New("signature does not verify with a trusted release key")

// GenerateKeys writes a new key pair into dir: the secret key readable by
// its owner only, and the public key in minisign's two-line format.
func GenerateKeys(dir string) (pubPath string, err error) {
	pub, priv, err := minisign.GenerateKey(rand.Reader)
	if err != nil {
		return "", fmt.Errorf("release: generate key: %w", err)
	}
	privText, err := priv.MarshalText()
	if err != nil {
		return "", err
	}
	pubText, err := pub.MarshalText()
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("release: %w", err)
	}
	privPath, pubPath := filepath.Join(dir, PrivateKeyFile), filepath.Join(dir, PublicKeyFile)
	for _, p := range []string{privPath, pubPath} {
		if _, err := os.Lstat(p); err == nil {
			return "", fmt.Errorf("release: %s exists; keep it or move it away first (a new key needs every terminal's config changed)", p)
		}
	}
	f, err := os.OpenFile(privPath, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", fmt.Errorf("release: %w", err)
	}
	_, err = f.Write(append(privText, '\n'))
	if err = errors.Join(err, f.Close()); err != nil {
		return "", fmt.Errorf("release: write %s: %w", privPath, err)
	}
	text := fmt.Sprintf("untrusted comment: piste release key %X\n%s\n", pub.ID(), pubKeyLine(pubText))
	if err := os.WriteFile(pubPath, []byte(text), 0o644); err != nil {
		return "", fmt.Errorf("release: write %s: %w", pubPath, err)
	}
	return pubPath, nil
}

// pubKeyLine is the base64 line of a marshalled public key (MarshalText
// may include a comment line).
func pubKeyLine(text []byte) string {
	lines := strings.Split(strings.TrimSpace(string(text)), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

// LoadPrivateKey reads a key written by GenerateKeys.
func LoadPrivateKey(path string) (minisign.PrivateKey, error) {
	var k minisign.PrivateKey
	data, err := os.ReadFile(path)
	if err != nil {
		return k, fmt.Errorf("release: read key: %w", err)
	}
	if minisign.IsEncrypted(data) {
		return k, fmt.Errorf("release: %s is password-protected; this tool reads only keys made by piste-release keygen", path)
	}
	if err := k.UnmarshalText([]byte(strings.TrimSpace(string(data)))); err != nil {
		return k, fmt.Errorf("release: %s is not a minisign secret key: %w", path, err)
	}
	return k, nil
}

// SignFile signs file (streamed, prehashed) with the key at keyPath and
// writes FILE.minisig.
func SignFile(keyPath, file string) (string, error) {
	key, err := LoadPrivateKey(keyPath)
	if err != nil {
		return "", err
	}
	f, err := os.Open(file)
	if err != nil {
		return "", fmt.Errorf("release: %w", err)
	}
	defer f.Close()
	r := minisign.NewReader(f)
	if _, err := io.Copy(io.Discard, r); err != nil {
		return "", fmt.Errorf("release: read %s: %w", file, err)
	}
	sig := r.SignWithComments(key, "piste release "+filepath.Base(file), "signature from piste-release")
	out := file + SignatureSuffix
	if err := os.WriteFile(out, sig, 0o644); err != nil {
		return "", fmt.Errorf("release: write %s: %w", out, err)
	}
	return out, nil
}

// ParsePublicKey reads a public key: the key line of a .pub file, or the
// whole file (comment lines are skipped).
func ParsePublicKey(text string) (minisign.PublicKey, error) {
	var k minisign.PublicKey
	line := ""
	for _, l := range strings.Split(text, "\n") {
		l = strings.TrimSpace(l)
		if l != "" && !strings.HasPrefix(l, "untrusted comment:") && !strings.HasPrefix(l, "#") {
			if line != "" {
				return k, errors.New("holds more than one key line; give the one line of piste-release.pub that holds the key")
			}
			line = l
		}
	}
	if line == "" {
		return k, errors.New("is empty; give the one line of piste-release.pub that holds the key")
	}
	if err := k.UnmarshalText([]byte(line)); err != nil {
		return k, fmt.Errorf("is not a minisign public key (the base64 line of piste-release.pub): %v", err)
	}
	return k, nil
}

// ReadPublicKeys reads a file of trusted keys: one key line each, comment
// lines and blank lines skipped.
func ReadPublicKeys(path string) ([]minisign.PublicKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("release keys: %w", err)
	}
	var keys []minisign.PublicKey
	for i, l := range strings.Split(string(data), "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "untrusted comment:") || strings.HasPrefix(l, "#") {
			continue
		}
		k, err := ParsePublicKey(l)
		if err != nil {
			return nil, fmt.Errorf("release keys %s: line %d %v", path, i+1, err)
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("release keys %s: no key lines", path)
	}
	return keys, nil
}

// Verifier checks a release's bytes against a signature while they are
// read, so a large file is never held in memory.
type Verifier struct {
	r   *minisign.Reader
	sig []byte
}

// NewVerifier parses sig and returns a reader over r that verifies at the
// end (Check).
func NewVerifier(r io.Reader, sig []byte) (*Verifier, io.Reader, error) {
	var s minisign.Signature
	if len(sig) > MaxSignatureBytes {
		return nil, nil, fmt.Errorf("%w: signature file of %d bytes is too large", ErrBadSignature, len(sig))
	}
	if err := s.UnmarshalText(sig); err != nil {
		return nil, nil, fmt.Errorf("%w: not a minisign signature: %v", ErrBadSignature, err)
	}
	if s.Algorithm != minisign.HashEdDSA {
		return nil, nil, fmt.Errorf("%w: sign with piste-release sign or minisign -S (prehashed)", ErrBadSignature)
	}
	mr := minisign.NewReader(r)
	return &Verifier{r: mr, sig: sig}, mr, nil
}

// Check reports whether everything read verifies with one of keys.
func (v *Verifier) Check(keys ...minisign.PublicKey) error {
	for _, k := range keys {
		if v.r.Verify(k, v.sig) {
			return nil
		}
	}
	return ErrBadSignature
}
