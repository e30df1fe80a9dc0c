//go:build !windows

package cli

import (
	"fmt"
	"os"
	"syscall"
)

// restartSelf replaces the process with a fresh copy of itself, keeping its
// pid, so a service manager sees no exit.
func restartSelf() error {
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("restart: %w", err)
	}
	return syscall.Exec(exe, os.Args, os.Environ())
}
