package server

import (
	"errors"
	"fmt"
	"net"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// DefaultMetricsAddr is where Prometheus metrics are served unless told
// otherwise: loopback only, apart from the API and the pages, so fleet
// internals are not open to whoever reaches the fleet.
const DefaultMetricsAddr = "127.0.0.1:9464"

// newMetricsServer serves the registry's metrics alone, with the same
// timeouts as the main server.
func newMetricsServer(reg *prometheus.Registry, e Edge) *http.Server {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	return &http.Server{Handler: mux, ReadHeaderTimeout: e.ReadHeaderTimeout, ReadTimeout: e.ReadTimeout,
		WriteTimeout: e.WriteTimeout, IdleTimeout: e.IdleTimeout, MaxHeaderBytes: e.MaxHeaderBytes}
}

// metricsElsewhere answers /metrics on the main address: they are served
// on the metrics address only.
func metricsElsewhere(addr string) http.HandlerFunc {
	msg := "metrics are not served here; start the fleet with --metrics-addr HOST:PORT and scrape that address"
	if addr != "" {
		msg = "metrics are served on the metrics address (--metrics-addr), not here"
	}
	return func(w http.ResponseWriter, r *http.Request) { http.Error(w, msg, http.StatusNotFound) }
}

// startMetrics listens on the metrics address, if any. A busy address
// stops the start, unless the address is only the default: then metrics
// are off and the log says so.
func (s *Server) startMetrics() error {
	if s.metrics == nil {
		return nil
	}
	ln, err := net.Listen("tcp", s.cfg.MetricsAddr)
	if err != nil && s.cfg.MetricsOptional {
		s.log.Warn("metrics are off: their address is taken; give --metrics-addr", "addr", s.cfg.MetricsAddr, "err", err)
		s.metrics = nil
		return nil
	}
	if err != nil {
		return fmt.Errorf("--metrics-addr: listen on %s: %w", s.cfg.MetricsAddr, err)
	}
	s.MetricsURL = "http://" + ln.Addr().String() + "/metrics"
	go func() {
		if err := s.metrics.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("serve metrics", "err", err)
		}
	}()
	return nil
}
