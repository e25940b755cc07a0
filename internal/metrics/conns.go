package metrics

import (
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

// ConnStats are the main listener's connection counters (conns.Guard).
type ConnStats struct {
	Open, Refused, Evicted int64
}

// connStats reads the counters when /metrics is scraped; nil until the
// server calls WatchConnections.
var connStats atomic.Pointer[func() ConnStats]

// WatchConnections makes /metrics report the listener's open connections and
// how many it refused (over a cap) or evicted (idle, to make room).
func WatchConnections(stats func() ConnStats) { connStats.Store(&stats) }

var (
	connOpenDesc = prometheus.NewDesc(namespace+"_connections_open",
		"Connections open on the main listener.", nil, nil)
	connRefusedDesc = prometheus.NewDesc(namespace+"_connections_refused_total",
		"Connections the main listener closed at once because a cap (per node or per address) was reached.", nil, nil)
	connEvictedDesc = prometheus.NewDesc(namespace+"_connections_evicted_total",
		"Idle or slow connections the main listener closed to make room for new ones.", nil, nil)
)

type connCollector struct{}

func (connCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- connOpenDesc
	ch <- connRefusedDesc
	ch <- connEvictedDesc
}

func (connCollector) Collect(ch chan<- prometheus.Metric) {
	f := connStats.Load()
	if f == nil {
		return
	}
	s := (*f)()
	ch <- prometheus.MustNewConstMetric(connOpenDesc, prometheus.GaugeValue, float64(s.Open))
	ch <- prometheus.MustNewConstMetric(connRefusedDesc, prometheus.CounterValue, float64(s.Refused))
	ch <- prometheus.MustNewConstMetric(connEvictedDesc, prometheus.CounterValue, float64(s.Evicted))
}

func init() { registry.MustRegister(connCollector{}) }
