// Package server assembles the fleet: database, agent hub, API and web
// pages behind one HTTP(S) listener, and metrics on a listener of their own.
package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"piste/fleet/alerts"
	"piste/fleet/api"
	"piste/fleet/changes"
	"piste/fleet/httpio"
	"piste/fleet/hub"
	"piste/fleet/mydata"
	"piste/fleet/protocol"
	"piste/fleet/retention"
	"piste/fleet/signage"
	"piste/fleet/sip2"
	"piste/fleet/store"
	"piste/fleet/visits"
)

// TLS modes for Config.TLS.
const (
	TLSAuto = "auto" // plain HTTP on loopback, otherwise TLS
	TLSOn   = "on"
	TLSOff  = "off" // refused unless the address is loopback
)

// Config is the fleet's start-up configuration.
type Config struct {
	Addr      string
	DataDir   string
	TLS       string
	TLSCert   string
	TLSKey    string
	Heartbeat time.Duration
	// SIP2 reaches the library system for card logins; nil refuses them
	// as service_unavailable.
	SIP2 *sip2.Config
	// CardKeyFile holds the card-hash key outside the data directory;
	// empty keeps it in the data directory.
	CardKeyFile string
	// Retention is how long personal data is kept; zero fields take the
	// defaults.
	Retention retention.Config
	// CardChecks limits card logins and reservations; nil: the defaults.
	CardChecks *visits.CardCheckLimits
	// Edge bounds what clients may hold of the server; zero fields take
	// DefaultEdge's values.
	Edge Edge
	// MetricsAddr serves Prometheus metrics apart from the API; "" serves
	// none. MetricsOptional makes a taken address turn metrics off rather
	// than stop the start (for the default address).
	MetricsAddr     string
	MetricsOptional bool
	// AlertInterval is how often the alert rules run; zero: 30 s.
	AlertInterval time.Duration
	// AlertContacts is who hears of new alerts; nil: nobody.
	AlertContacts *alerts.Contacts
	// ReleaseKeys is the file of trusted release keys; empty reads the
	// data directory's release-keys file, if there is one.
	ReleaseKeys string
}

// Server is a running fleet.
type Server struct {
	cfg    Config
	Store  *store.Store
	Hub    *hub.Hub
	API    *api.API
	Visits *visits.Service
	// Changes carries what changed from where it changed to the hub, the
	// live pages and the visitor-session service.
	Changes *changes.Bus
	// Signage keeps info screens' manifests, notices and live slides current.
	Signage  *signage.Pusher
	log      *slog.Logger
	pool     *sip2.Pool
	stop     context.CancelFunc
	http     *http.Server
	admin    *http.Server // the admin socket's; nil when not serving
	metrics  *http.Server
	listener net.Listener
	// URL is the base URL the server is reachable at.
	URL string
	// Fingerprint is the pin of the TLS certificate, empty on plain HTTP.
	Fingerprint string
	// MetricsURL is where metrics are served, empty when they are not.
	MetricsURL string
}

// New opens the database and prepares the server; Start begins serving.
func New(cfg Config, log *slog.Logger) (*Server, error) {
	if cfg.TLS == "" {
		cfg.TLS = TLSAuto
	}
	host, _, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("--addr %q: want host:port, like 127.0.0.1:8080", cfg.Addr)
	}
	useTLS, err := wantTLS(cfg, host)
	if err != nil {
		return nil, err
	}
	st, err := store.Open(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	bus := &changes.Bus{}
	h := hub.New(st, hub.Config{Heartbeat: cfg.Heartbeat, Changes: bus}, hub.NewMetrics(reg), log)
	v, pool, err := newVisits(cfg, st, h, bus, log)
	if err != nil {
		st.Close()
		return nil, err
	}
	reg.MustRegister(alertsGauge(st))
	sg := newSignage(cfg, st, h, bus, v, log)
	a := api.New(st, h, log)
	a.Signage = sg.Service
	sg.Service.Audit = a.Audit
	a.SecureCookie = useTLS
	a.Visits = v
	a.Help = newHelp(st, v, h, bus, a, log)
	a.Measures.Support = helpFigures{a.Help}
	a.MyData = mydata.New(st)
	a.Alerts.Metrics = alerts.NewMetrics(reg, st)
	if cfg.AlertContacts != nil {
		a.Alerts.Notifier = alerts.NewNotifier(cfg.AlertContacts)
	}
	if err := wireReleases(cfg, a, h, bus, reg, log); err != nil {
		st.Close()
		return nil, err
	}
	s := &Server{cfg: cfg, Store: st, Hub: h, API: a, Visits: v, Changes: bus, log: log, pool: pool, Signage: sg}

	mux := http.NewServeMux()
	mux.Handle("GET "+protocol.Path, h)
	a.Register(mux)
	mux.HandleFunc("GET /metrics", metricsElsewhere(cfg.MetricsAddr))
	mux.HandleFunc("GET /healthz", s.healthz)
	registerPages(mux, a, log)

	s.cfg.Edge = cfg.Edge.withDefaults()
	s.http = newHTTPServer(securityHeaders(httpio.RequestIDs(httpio.SameOrigin(mux))), s.cfg.Edge, log, protocol.Path, "/api/v1/live", api.PathHelpLive)
	if cfg.MetricsAddr != "" {
		s.metrics = newMetricsServer(reg, s.cfg.Edge)
	}
	if useTLS {
		cert, err := s.certificate(host)
		if err != nil {
			st.Close()
			return nil, err
		}
		s.http.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		s.Fingerprint = Fingerprint(cert.Leaf)
	}
	return s, nil
}

func wantTLS(cfg Config, host string) (bool, error) {
	switch cfg.TLS {
	case TLSOn:
		return true, nil
	case TLSOff:
		if !IsLoopback(host) {
			return false, fmt.Errorf("--tls off is allowed only on a loopback address, not %s: terminals' tokens would cross the network in clear", host)
		}
		return false, nil
	case TLSAuto:
		return cfg.TLSCert != "" || !IsLoopback(host), nil
	}
	return false, fmt.Errorf("--tls must be auto, on or off, got %q", cfg.TLS)
}

func (s *Server) certificate(host string) (tls.Certificate, error) {
	if s.cfg.TLSCert != "" || s.cfg.TLSKey != "" {
		if s.cfg.TLSCert == "" || s.cfg.TLSKey == "" {
			return tls.Certificate{}, errors.New("--tls-cert and --tls-key go together")
		}
		return loadCert(s.cfg.TLSCert, s.cfg.TLSKey)
	}
	return selfSigned(s.cfg.DataDir, []string{host})
}

// Start listens and serves in the background.
func (s *Server) Start() error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", s.cfg.Addr, err)
	}
	if err := s.startMetrics(); err != nil {
		ln.Close()
		return err
	}
	ln = limitConns(ln, s.cfg.Edge.MaxConns, s.log)
	s.listener = ln
	scheme := "http"
	if s.http.TLSConfig != nil {
		scheme = "https"
		ln = tls.NewListener(ln, s.http.TLSConfig)
	}
	s.URL = scheme + "://" + ln.Addr().String()
	if err := s.listenAdmin(); err != nil {
		ln.Close()
		return err
	}
	s.Hub.Run()
	ctx, stop := context.WithCancel(context.Background())
	s.stop = stop
	go s.Visits.Run(ctx)
	go s.API.Help.Run(ctx, s.Changes)
	s.Signage.Start(ctx, s.Changes) // subscribed before Start returns
	go retention.Run(ctx, s.Store, s.cfg.Retention, s.log)
	go s.API.MyData.Run(ctx, time.Hour, s.log)
	interval := s.cfg.AlertInterval
	if interval <= 0 {
		interval = 30 * time.Second
	}
	go s.API.Alerts.Run(ctx, interval, min(interval, 2*time.Second), s.log.Warn)
	go s.API.Power.Run(ctx, time.Minute, func(err error) { s.log.Warn("power schedule", "err", err) })
	go s.API.Releases.Watch(ctx, 2*time.Second)
	go func() {
		if err := s.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("serve", "err", err)
		}
	}()
	return nil
}

// Shutdown stops serving: agents are told to reconnect later, then open
// requests get a few seconds to finish.
func (s *Server) Shutdown(ctx context.Context) error {
	if s.stop != nil {
		s.stop()
	}
	s.Hub.Close()
	if s.pool != nil {
		s.pool.Close()
	}
	err := errors.Join(s.closeAdmin(ctx), s.http.Shutdown(ctx))
	if s.metrics != nil {
		err = errors.Join(err, s.metrics.Shutdown(ctx))
	}
	return errors.Join(err, s.Store.Close())
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	if _, err := s.Store.Branches(r.Context()); err != nil {
		http.Error(w, "database unavailable", http.StatusServiceUnavailable)
		return
	}
	w.Write([]byte("ok\n"))
}

// securityHeaders sets a strict Content-Security-Policy: pages load only
// their own scripts and styles, and nothing may frame them.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
		h.Set("X-Content-Type-Options", "nosniff")
		// same-origin, not no-referrer: under no-referrer a browser sends
		// "Origin: null" with the pages' own form posts, which the
		// same-origin check then cannot tell from another site's.
		h.Set("Referrer-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}
