//go:build unix

package localapi

import (
	"fmt"
	"os"
)

// restrictSocket makes the socket reachable only by its owner and group.
// Between bind and chmod the socket briefly has the umask's mode; on Linux
// the peer-credential check still refuses strangers in that window.
func restrictSocket(path string, group int) error {
	if err := os.Chmod(path, 0o660); err != nil {
		return fmt.Errorf("localapi: chmod %s: %w", path, err)
	}
	if group < 0 {
		return nil
	}
	if err := os.Chown(path, -1, group); err != nil {
		return fmt.Errorf("localapi: give %s to group %d: %w", path, group, err)
	}
	return nil
}
