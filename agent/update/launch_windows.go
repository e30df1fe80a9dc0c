//go:build windows

package update

import "log/slog"

// Handover is not done on Windows yet: the service runs the installed
// binary itself (the MSI owns it).
func Handover(stateDir, self string, args []string, log *slog.Logger) (code int, handedOver bool, err error) {
	return 0, false, nil
}
