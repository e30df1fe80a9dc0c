package hub

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the hub's Prometheus series.
type Metrics struct {
	Online             prometheus.Gauge
	Connects           prometheus.Counter
	LinkRefused        prometheus.Counter
	BadFrames          prometheus.Counter
	Events             *prometheus.CounterVec
	Duplicates         prometheus.Counter
	Rejected           *prometheus.CounterVec
	IngestBatchSeconds prometheus.Histogram
	CommandsDelivered  prometheus.Counter
	CommandsExpired    prometheus.Counter
}

// NewMetrics creates the series and registers them with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		Online:      prometheus.NewGauge(prometheus.GaugeOpts{Name: "piste_terminals_online", Help: "Terminals with a live link."}),
		Connects:    prometheus.NewCounter(prometheus.CounterOpts{Name: "piste_link_connects_total", Help: "Agent links accepted."}),
		LinkRefused: prometheus.NewCounter(prometheus.CounterOpts{Name: "piste_link_refused_total", Help: "Agent links refused for an unknown or revoked token."}),
		BadFrames:   prometheus.NewCounter(prometheus.CounterOpts{Name: "piste_link_bad_frames_total", Help: "Frames that closed a link: malformed, oversized or of unknown type."}),
		Events:      prometheus.NewCounterVec(prometheus.CounterOpts{Name: "piste_events_stored_total", Help: "Events stored, by kind."}, []string{"kind"}),
		Duplicates:  prometheus.NewCounter(prometheus.CounterOpts{Name: "piste_events_duplicate_total", Help: "Resent events recognised and not stored again."}),
		Rejected: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "piste_events_rejected_total",
			Help: "Events acknowledged but kept aside because their data broke the rules of their kind, by kind."}, []string{"kind"}),
		IngestBatchSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "piste_ingest_batch_seconds",
			Help: "Time to commit one batch of events.", Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14)}),
		CommandsDelivered: prometheus.NewCounter(prometheus.CounterOpts{Name: "piste_commands_delivered_total", Help: "Commands acked by agents."}),
		CommandsExpired:   prometheus.NewCounter(prometheus.CounterOpts{Name: "piste_commands_expired_total", Help: "Commands that expired in the queue."}),
	}
	reg.MustRegister(m.Online, m.Connects, m.LinkRefused, m.BadFrames, m.Events, m.Duplicates, m.Rejected,
		m.IngestBatchSeconds, m.CommandsDelivered, m.CommandsExpired)
	return m
}
