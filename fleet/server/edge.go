package server

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"golang.org/x/net/netutil"
)

// Edge bounds what one client can hold of the server: how long it may
// take to send a request and read the answer, how long an idle
// connection stays, how large headers and bodies are, and how many
// connections are open at once. WebSocket links (agents, live pages) are
// exempt from the read and write timeouts once upgraded: they are long by
// design and keep their own heartbeat.
type Edge struct {
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration // the whole request, body included
	WriteTimeout      time.Duration // from the end of the headers to the end of the answer
	IdleTimeout       time.Duration
	MaxHeaderBytes    int
	MaxBodyBytes      int64 // a backstop under each handler's own, smaller limit
	MaxConns          int   // agent links plus staff; capped by the open-file limit
}

// DefaultEdge is sized for about 20,000 terminals' links plus staff.
func DefaultEdge() Edge {
	return Edge{
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		// Longer than the slowest legitimate request: a staff login waiting
		// for a password-check slot, a card login waiting for the library.
		WriteTimeout:   60 * time.Second,
		IdleTimeout:    2 * time.Minute,
		MaxHeaderBytes: 64 << 10,
		MaxBodyBytes:   1 << 20,
		MaxConns:       20480,
	}
}

// withDefaults fills the zero fields of e from DefaultEdge.
func (e Edge) withDefaults() Edge {
	d := DefaultEdge()
	fill := func(v *time.Duration, def time.Duration) {
		if *v <= 0 {
			*v = def
		}
	}
	fill(&e.ReadHeaderTimeout, d.ReadHeaderTimeout)
	fill(&e.ReadTimeout, d.ReadTimeout)
	fill(&e.WriteTimeout, d.WriteTimeout)
	fill(&e.IdleTimeout, d.IdleTimeout)
	e.ReadHeaderTimeout = min(e.ReadHeaderTimeout, e.ReadTimeout)
	if e.MaxHeaderBytes <= 0 {
		e.MaxHeaderBytes = d.MaxHeaderBytes
	}
	if e.MaxBodyBytes <= 0 {
		e.MaxBodyBytes = d.MaxBodyBytes
	}
	if e.MaxConns <= 0 {
		e.MaxConns = d.MaxConns
	}
	return e
}

// newHTTPServer is the fleet's http.Server with the edge's limits around
// handler; websockets are the paths whose upgraded links are exempt from
// the read and write timeouts.
func newHTTPServer(handler http.Handler, e Edge, log *slog.Logger, websockets ...string) *http.Server {
	return &http.Server{
		Handler:           edgeLimits(handler, e, websockets),
		ReadHeaderTimeout: e.ReadHeaderTimeout,
		ReadTimeout:       e.ReadTimeout,
		WriteTimeout:      e.WriteTimeout,
		IdleTimeout:       e.IdleTimeout,
		MaxHeaderBytes:    e.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelDebug),
	}
}

// edgeLimits caps every body and lifts the connection deadlines of a
// WebSocket upgrade on one of the websocket paths.
func edgeLimits(next http.Handler, e Edge, websockets []string) http.Handler {
	ws := map[string]bool{}
	for _, p := range websockets {
		ws[p] = true
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ws[r.URL.Path] && r.Header.Get("Upgrade") != "" {
			rc := http.NewResponseController(w)
			rc.SetReadDeadline(time.Time{})
			rc.SetWriteDeadline(time.Time{})
		} else if n, ok := uploadLimits[r.URL.Path]; ok && r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, n)
		} else if !largeBodies[r.URL.Path] {
			r.Body = http.MaxBytesReader(w, r.Body, e.MaxBodyBytes)
		}
		next.ServeHTTP(w, r)
	})
}

// limitConns holds the listener to at most max connections, and under the
// process's open-file limit (with room for the database and logs): past
// it, new connections wait in the kernel's backlog instead of failing
// accept with "too many open files".
func limitConns(ln net.Listener, max int, log *slog.Logger) net.Listener {
	if files := openFileLimit(); files > 512 && max > files-256 {
		log.Info(fmt.Sprintf("connection limit %d is above the open-file limit %d; holding it to %d", max, files, files-256))
		max = files - 256
	}
	return netutil.LimitListener(ln, max)
}
