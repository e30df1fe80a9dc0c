package localapi

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"time"
)

// Access says who may use the socket besides root and the agent itself.
type Access struct {
	// AllowUIDs are the extra user ids served, typically the kiosk user's.
	// On Linux every accepted connection is checked against them.
	AllowUIDs []int
	// Group becomes the socket's group so the kiosk user can connect to the
	// mode-0660 socket; a negative value leaves the group as created.
	Group int
}

// maxSocketPath is the shortest sun_path limit of the supported systems
// (104 bytes on BSDs and macOS, 108 on Linux and Windows, both counting the NUL).
const maxSocketPath = 103

// Listen creates the agent's socket at path, mode 0660, owned by
// access.Group, and returns a listener that closes connections from users
// other than root, the agent's own user and access.AllowUIDs (on Linux,
// by the peer credentials of the connection). A stale socket left by a
// crashed agent is removed; a live one (another agent answers) or any
// file that is not a socket is left alone and reported.
func Listen(path string, access Access) (net.Listener, error) {
	if err := checkSocketPath(path); err != nil {
		return nil, err
	}
	if err := removeStale(path); err != nil {
		return nil, err
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("localapi: listen on %s: %w", path, err)
	}
	if err := restrictSocket(path, access.Group); err != nil {
		ln.Close()
		return nil, err
	}
	return newPeerListener(ln, access), nil
}

func checkSocketPath(path string) error {
	if path == "" {
		return errors.New("localapi: socket path is empty; pass the agent's state dir or --socket")
	}
	if len(path) > maxSocketPath {
		return fmt.Errorf("localapi: socket path %q is %d bytes, unix sockets allow at most %d; use a shorter state dir",
			path, len(path), maxSocketPath)
	}
	return nil
}

// removeStale removes a socket file nobody answers on. It refuses to touch
// anything that is not a socket, so a wrong --state can never delete data.
func removeStale(path string) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("localapi: inspect %s: %w", path, err)
	}
	if fi.Mode().Type() != fs.ModeSocket {
		return fmt.Errorf("localapi: %s exists and is not a socket (%s); move it away or choose another path", path, fi.Mode().Type())
	}
	conn, err := net.DialTimeout("unix", path, 500*time.Millisecond)
	if err == nil {
		conn.Close()
		return fmt.Errorf("localapi: %s is in use by a running agent; stop it first", path)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("localapi: remove stale socket %s: %w", path, err)
	}
	return nil
}
