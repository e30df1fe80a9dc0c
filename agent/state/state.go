// Package state is the agent's state directory: who this terminal is, where
// its fleet is, and its secret token (a 0600 file).
package state

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"piste/fleet/protocol"
	"piste/internal/atomicfile"
)

// Config is what enrollment wrote.
type Config struct {
	Server      string                `json:"server"`
	Fingerprint string                `json:"server_fingerprint,omitempty"`
	TerminalID  string                `json:"terminal_id"`
	Name        string                `json:"name"`
	Branch      string                `json:"branch"`
	Kind        protocol.TerminalKind `json:"kind"`
	EnrolledAt  time.Time             `json:"enrolled_at"`
}

const (
	configFile = "agent.json"
	tokenFile  = "token"
	// SocketFile is the local API socket inside the state dir.
	SocketFile = "agent.sock"
)

// ErrNotEnrolled means the state dir holds no enrollment.
var ErrNotEnrolled = errors.New("this terminal is not enrolled: run piste-agent enroll first")

// Save writes the enrollment; the token file is readable by root only.
func Save(dir string, cfg Config, token string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("state: create %s: %w", dir, err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return fmt.Errorf("state: %w", err)
	}
	data, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return err
	}
	if err := writeFile(filepath.Join(dir, tokenFile), []byte(token+"\n"), 0o600); err != nil {
		return err
	}
	return writeFile(filepath.Join(dir, configFile), append(data, '\n'), 0o644)
}

// writeFile replaces a file atomically, so a power cut leaves the old or
// the new file, never half of one.
func writeFile(path string, data []byte, mode os.FileMode) error {
	if err := atomicfile.Write(path, data, mode); err != nil {
		return fmt.Errorf("state: %w", err)
	}
	return nil
}

// Load reads the enrollment and token.
func Load(dir string) (Config, string, error) {
	var cfg Config
	data, err := os.ReadFile(filepath.Join(dir, configFile))
	if errors.Is(err, os.ErrNotExist) {
		return cfg, "", ErrNotEnrolled
	}
	if err != nil {
		return cfg, "", fmt.Errorf("state: %w", err)
	}
	if err := json.Unmarshal(data, &cfg); err != nil {
		return cfg, "", fmt.Errorf("state: %s is damaged (%v): enroll again with --force", filepath.Join(dir, configFile), err)
	}
	if cfg.Server == "" || cfg.TerminalID == "" {
		return cfg, "", fmt.Errorf("state: %s lacks server or terminal_id: enroll again with --force", filepath.Join(dir, configFile))
	}
	tok, err := os.ReadFile(filepath.Join(dir, tokenFile))
	if err != nil {
		return cfg, "", fmt.Errorf("state: read token: %w", err)
	}
	token := strings.TrimSpace(string(tok))
	if token == "" {
		return cfg, "", fmt.Errorf("state: token file is empty: enroll again with --force")
	}
	return cfg, token, nil
}

// Enrolled reports whether dir holds an enrollment.
func Enrolled(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, configFile))
	return err == nil
}
