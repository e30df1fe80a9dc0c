//go:build !windows

package cli

import (
	"fmt"
	"os"
	"syscall"

	"piste/agent/update"
)

// restartSelf replaces the process with a fresh start of the packaged
// binary, keeping its pid, so a service manager sees no exit; the packaged
// binary then hands over to an installed release newer than itself.
func restartSelf() error {
	exe := update.Base()
	args := append([]string{exe}, os.Args[1:]...)
	if err := syscall.Exec(exe, args, os.Environ()); err != nil {
		return fmt.Errorf("restart: %w", err)
	}
	return nil
}
