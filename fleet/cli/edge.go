package cli

import (
	"flag"
	"time"

	"piste/fleet/server"
)

// edgeFlags are the serve flags that bound what clients may hold of the
// server, and where metrics are served.
type edgeFlags struct {
	edge        server.Edge
	metricsAddr string
}

func (f *edgeFlags) register(fs *flag.FlagSet) {
	d := server.DefaultEdge()
	fs.DurationVar(&f.edge.ReadTimeout, "http-read-timeout", d.ReadTimeout, "longest a client may take to send one request, body included (WebSocket links are exempt)")
	fs.DurationVar(&f.edge.WriteTimeout, "http-write-timeout", d.WriteTimeout, "longest from a request's headers to the end of its answer (WebSocket links are exempt)")
	fs.DurationVar(&f.edge.IdleTimeout, "http-idle-timeout", d.IdleTimeout, "how long an idle keep-alive connection stays open")
	fs.IntVar(&f.edge.MaxConns, "max-connections", d.MaxConns, "most connections open at once: terminals' links plus staff")
	fs.StringVar(&f.metricsAddr, "metrics-addr", server.DefaultMetricsAddr, "serve Prometheus metrics on this HOST:PORT, apart from the API (\"off\": none)")
}

// apply checks the flags and sets them on cfg.
func (f *edgeFlags) apply(fs *flag.FlagSet, cfg *server.Config) error {
	e := f.edge
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"http-read-timeout", e.ReadTimeout}, {"http-write-timeout", e.WriteTimeout}, {"http-idle-timeout", e.IdleTimeout}} {
		if d.v < time.Second || d.v > time.Hour {
			return usageErr("--%s must be between 1s and 1h, got %s", d.name, d.v)
		}
	}
	if e.MaxConns < 16 {
		return usageErr("--max-connections must be at least 16, got %d", e.MaxConns)
	}
	cfg.Edge = e
	given := false
	fs.Visit(func(fl *flag.Flag) { given = given || fl.Name == "metrics-addr" })
	switch {
	case f.metricsAddr == "off":
	case !given && f.metricsAddr == server.DefaultMetricsAddr:
		cfg.MetricsAddr, cfg.MetricsOptional = f.metricsAddr, true
	default:
		cfg.MetricsAddr = f.metricsAddr
	}
	return nil
}
