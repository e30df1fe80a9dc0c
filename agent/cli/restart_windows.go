//go:build windows

package cli

import "errors"

// restartSelf exits with an error; the service's recovery settings
// (installed with the service) start it again.
func restartSelf() error {
	return errors.New("restarting: exiting so the service manager starts the agent again")
}
