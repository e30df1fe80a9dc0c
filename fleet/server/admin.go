package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"time"

	"piste/fleet/api"
	"piste/internal/peercred"
)

// AdminSocket is the file name, in the data directory, of the unix socket
// on which a running server serves the JSON API to the admin CLI, so that
// what the CLI changes reaches the running fleet at once.
const AdminSocket = "admin.sock"

// maxSocketPath is the longest unix socket path Linux accepts.
const maxSocketPath = 107

// AdminSocketPath is the admin socket of a data directory.
func AdminSocketPath(dataDir string) string { return filepath.Join(dataDir, AdminSocket) }

// listenAdmin starts the admin socket. Only the server's own OS user and
// root get through (checked per connection from the kernel's peer
// credentials); they act as a fleet-wide admin named cli:USER, as the
// same user could edit the database directly anyway.
func (s *Server) listenAdmin() error {
	if !peercred.Supported {
		return nil // the CLI then works on the data directory
	}
	path := AdminSocketPath(s.cfg.DataDir)
	if len(path) > maxSocketPath {
		return fmt.Errorf("admin socket %s is longer than %d bytes, the most a unix socket path may be: use a shorter --data path", path, maxSocketPath)
	}
	if c, err := net.DialTimeout("unix", path, time.Second); err == nil {
		c.Close()
		return fmt.Errorf("another piste-fleet already serves %s (its admin socket answers); stop it first", s.cfg.DataDir)
	}
	// A socket left by a server that did not shut down cleanly.
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("admin socket: remove stale %s: %w", path, err)
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		return fmt.Errorf("admin socket: listen on %s: %w", path, err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return fmt.Errorf("admin socket: chmod %s: %w", path, err)
	}
	mux := http.NewServeMux()
	s.API.Register(mux)
	s.admin = &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		ConnContext: func(ctx context.Context, c net.Conn) context.Context {
			pc, _ := c.(*peerConn) // every conn comes from peerListener
			return api.WithLocalAdmin(ctx, "cli:"+userName(pc.uid))
		},
	}
	go func() {
		err := s.admin.Serve(&peerListener{Listener: ln, log: s.log})
		if err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("serve admin socket", "err", err)
		}
	}()
	return nil
}

// closeAdmin stops the admin socket and removes its file, so the CLI
// knows no server is running.
func (s *Server) closeAdmin(ctx context.Context) error {
	if s.admin == nil {
		return nil
	}
	err := s.admin.Shutdown(ctx)
	os.Remove(AdminSocketPath(s.cfg.DataDir))
	return err
}

// allowedPeer reports whether a connecting uid may use the admin socket:
// root and the server's own user.
func allowedPeer(uid int) bool { return uid == 0 || uid == os.Getuid() }

// peerConn is an admin connection with its peer's uid.
type peerConn struct {
	net.Conn
	uid int
}

// peerListener closes, right at accept, every connection whose peer may
// not use the admin socket.
type peerListener struct {
	net.Listener
	log interface {
		Warn(msg string, args ...any)
	}
}

// Accept returns the next connection from an allowed peer.
func (l *peerListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		uid, err := peercred.UID(c)
		if err == nil && allowedPeer(uid) {
			return &peerConn{Conn: c, uid: uid}, nil
		}
		c.Close()
		l.log.Warn("admin socket: refused a connection", "uid", uid, "err", err)
	}
}

func userName(uid int) string {
	if u, err := user.LookupId(strconv.Itoa(uid)); err == nil {
		return u.Username
	}
	return "uid" + strconv.Itoa(uid)
}
