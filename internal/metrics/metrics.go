// Package metrics defines inboxd's Prometheus metrics, and the functions the
// rest of the code calls to feed them: one line at the place where the thing
// happens, e.g. metrics.RateLimited().
//
// The metrics live in this package's own registry, not in a value passed
// around: they are process-wide by nature (one /metrics per process), every
// function is safe for concurrent use, and a package that gains a metric
// needs no new dependency wired through its constructor. Handler serves them
// with the Go runtime and process metrics.
//
// Label values come from small fixed sets (route patterns of the route
// tables, dialect names, status codes), never from request data, so the
// number of series stays bounded.
package metrics

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

const namespace = "inboxd"

var registry = prometheus.NewRegistry()

func register[C prometheus.Collector](c C) C {
	registry.MustRegister(c)
	return c
}

func init() {
	registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
}

// Handler serves every metric in Prometheus's text format.
func Handler() http.Handler {
	return promhttp.HandlerFor(registry, promhttp.HandlerOpts{Registry: registry})
}

var (
	requestDuration = register(prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: namespace,
		Name:      "http_request_duration_seconds",
		Help:      "HTTP requests by route pattern, dialect and status code, and how long they took.",
		Buckets:   []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	}, []string{"route", "dialect", "status"}))

	txDuration = register(prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: namespace,
		Name:      "db_transaction_duration_seconds",
		Help:      "Database transactions by kind (read, write) and result (ok, error), and how long they took, commit included.",
		Buckets:   []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
	}, []string{"kind", "result"}))

	batchSize = register(prometheus.NewHistogram(prometheus.HistogramOpts{
		Namespace: namespace,
		Name:      "db_group_commit_batch_size",
		Help:      "SQLite write transactions that shared one commit (one fsync).",
		Buckets:   []float64{1, 2, 4, 8, 16, 32, 64, 128},
	}))

	rateLimited = register(prometheus.NewCounter(prometheus.CounterOpts{
		Namespace: namespace,
		Name:      "rate_limit_rejections_total",
		Help:      "API requests refused because the caller's hourly budget was spent.",
	}))

	idempotentReplays = register(prometheus.NewCounter(prometheus.CounterOpts{
		Namespace: namespace,
		Name:      "idempotent_replays_total",
		Help:      "POST requests answered with the stored response of an earlier request with the same Idempotency-Key.",
	}))

	webhookDeliveries = register(prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: namespace,
		Name:      "webhook_delivery_duration_seconds",
		Help:      "Webhook delivery attempts by dialect and result (e.g. success, failure, timeout), and how long each took.",
		Buckets:   []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	}, []string{"dialect", "result"}))

	webhookQueue = register(prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: namespace,
		Name:      "webhook_queue_depth",
		Help:      "Webhook deliveries waiting to be sent, by dialect.",
	}, []string{"dialect"}))

	realtimeConnections = register(prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: namespace,
		Name:      "realtime_connections",
		Help:      "Open realtime connections by transport (cable, sse).",
	}, []string{"transport"}))

	realtimeDrops = register(prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace,
		Name:      "realtime_disconnects_total",
		Help:      "Realtime connections the server closed, by transport and reason (slow_consumer, full, server_restart).",
	}, []string{"transport", "reason"}))

	realtimeLag = register(prometheus.NewHistogram(prometheus.HistogramOpts{
		Namespace: namespace,
		Name:      "realtime_dispatch_lag_seconds",
		Help:      "From an event's write to its hand-over to this node's realtime clients.",
		Buckets:   []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
	}))
)

// ObserveRequest records one HTTP request. pattern is the route pattern
// that matched ("GET /api/v3/inbox/conversations/{id}"); "" (no route
// matched) is recorded as "unmatched", so probing random paths adds no
// series.
func ObserveRequest(pattern string, status int, d time.Duration) {
	route := pattern
	if route == "" {
		route = "unmatched"
	}
	requestDuration.WithLabelValues(route, Dialect(pattern), strconv.Itoa(status)).Observe(d.Seconds())
}

// Dialect names the API a route pattern belongs to: bookingsync (/api/v3
// and /oauth), chatwoot (/api/v1) or none (health checks, files).
func Dialect(pattern string) string {
	path := pattern
	if _, p, ok := strings.Cut(pattern, " "); ok {
		path = p
	}
	switch {
	case strings.HasPrefix(path, "/api/v3/"), strings.HasPrefix(path, "/oauth/"):
		return "bookingsync"
	case strings.HasPrefix(path, "/api/v1/"):
		return "chatwoot"
	}
	return "none"
}

// ObserveTx records one database transaction: write or read, whether it
// failed, and how long it took.
func ObserveTx(write bool, d time.Duration, err error) {
	kind, result := "read", "ok"
	if write {
		kind = "write"
	}
	if err != nil {
		result = "error"
	}
	txDuration.WithLabelValues(kind, result).Observe(d.Seconds())
}

// ObserveBatch records how many write transactions shared one commit.
func ObserveBatch(n int) { batchSize.Observe(float64(n)) }

// RateLimited counts a request refused by the rate limit.
func RateLimited() { rateLimited.Inc() }

// IdempotentReplay counts a response replayed for an Idempotency-Key.
func IdempotentReplay() { idempotentReplays.Inc() }

// WebhookDelivery records one webhook delivery attempt.
func WebhookDelivery(dialect, result string, d time.Duration) {
	webhookDeliveries.WithLabelValues(dialect, result).Observe(d.Seconds())
}

// SetWebhookQueueDepth reports how many deliveries of a dialect wait.
func SetWebhookQueueDepth(dialect string, n int) {
	webhookQueue.WithLabelValues(dialect).Set(float64(n))
}

// RealtimeConnected counts an open realtime connection until the returned
// function is called (once, when it closes).
func RealtimeConnected(transport string) (closed func()) {
	g := realtimeConnections.WithLabelValues(transport)
	g.Inc()
	return g.Dec
}

// RealtimeDropped counts a realtime connection the server closed or
// refused, with why.
func RealtimeDropped(transport, reason string) {
	realtimeDrops.WithLabelValues(transport, reason).Inc()
}

// RealtimeLag records how long after its write an event reached this
// node's realtime clients.
func RealtimeLag(d time.Duration) { realtimeLag.Observe(d.Seconds()) }
