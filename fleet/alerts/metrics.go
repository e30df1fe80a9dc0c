package alerts

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"piste/fleet/store"
)

// Metrics are the alerts' Prometheus metrics.
type Metrics struct {
	Opened        *prometheus.CounterVec
	Notifications *prometheus.CounterVec
}

// NewMetrics registers the alert metrics on reg: alerts opened by the
// rules, notifications sent, and open alerts by kind (read from st at
// each scrape).
func NewMetrics(reg prometheus.Registerer, st interface {
	CountOpenAlertsByKind(ctx context.Context) (map[string]int, error)
}) *Metrics {
	m := &Metrics{
		Opened: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "piste_alerts_opened_total",
			Help: "Alerts opened by the fleet's rules, by kind."}, []string{"kind"}),
		Notifications: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "piste_alert_notifications_total",
			Help: "Alert notifications to branch contacts, by channel (email, webhook) and result (sent, failed)."}, []string{"channel", "result"}),
	}
	reg.MustRegister(m.Opened, m.Notifications, openByKind{st})
	return m
}

func (m *Metrics) count(opened []store.Alert) {
	if m == nil {
		return
	}
	for _, a := range opened {
		m.Opened.WithLabelValues(a.Kind).Inc()
	}
}

func (m *Metrics) notified(channel string, err error) {
	if m == nil {
		return
	}
	result := "sent"
	if err != nil {
		result = "failed"
	}
	m.Notifications.WithLabelValues(channel, result).Inc()
}

var openDesc = prometheus.NewDesc("piste_alerts_open_by_kind", "Open alerts by kind.", []string{"kind"}, nil)

// openByKind reads the open alerts at scrape time; every kind is always
// reported, so a rule's series reads 0 rather than vanishing.
type openByKind struct {
	st interface {
		CountOpenAlertsByKind(ctx context.Context) (map[string]int, error)
	}
}

func (o openByKind) Describe(ch chan<- *prometheus.Desc) { ch <- openDesc }

func (o openByKind) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	n, err := o.st.CountOpenAlertsByKind(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(openDesc, err)
		return
	}
	for _, k := range append(ruleKinds, KindWipeFailed) {
		if _, ok := n[k]; !ok {
			n[k] = 0
		}
	}
	for k, v := range n {
		ch <- prometheus.MustNewConstMetric(openDesc, prometheus.GaugeValue, float64(v), k)
	}
}
