package localapi

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"
)

// Serve serves c on ln until ctx ends, then stops: unary calls get a
// moment to finish, and open watch streams (which never go idle) are cut
// so that clients notice and reconnect to the next agent.
func Serve(ctx context.Context, ln net.Listener, c Controller) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // also ends the shutdown goroutine when Serve fails early
	srv := &http.Server{
		Handler:           NewHandler(c),
		ReadHeaderTimeout: 5 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		<-ctx.Done()
		shutCtx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if srv.Shutdown(shutCtx) != nil {
			srv.Close()
		}
	}()
	err := srv.Serve(ln)
	cancel()
	<-done
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}
