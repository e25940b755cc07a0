package metrics_test

import (
	"encoding/json"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/inboxd/inbox/internal/metrics"
)

func TestDialect(t *testing.T) {
	for pattern, want := range map[string]string{
		"GET /api/v3/inbox/conversations":                 "bookingsync",
		"POST /oauth/token":                               "bookingsync",
		"GET /api/v1/accounts/{account_id}/conversations": "chatwoot",
		"GET /healthz":                                    "none",
		"":                                                "none",
	} {
		if got := metrics.Dialect(pattern); got != want {
			t.Fatalf("Dialect(%q)=%q, want %q", pattern, got, want)
		}
	}
}

func TestHandler(t *testing.T) {
	metrics.ObserveRequest("", 404, time.Millisecond)
	metrics.ObserveRequest("GET /api/v1/accounts/{account_id}/profile", 200, 2*time.Millisecond)
	done := metrics.RealtimeConnected("cable")
	metrics.WebhookDelivery("chatwoot", "success", 30*time.Millisecond)
	metrics.SetWebhookQueueDepth("bookingsync", 7)

	rec := httptest.NewRecorder()
	metrics.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	for _, want := range []string{
		`inboxd_http_request_duration_seconds_count{dialect="none",route="unmatched",status="404"} 1`,
		`inboxd_http_request_duration_seconds_count{dialect="chatwoot",route="GET /api/v1/accounts/{account_id}/profile",status="200"} 1`,
		`inboxd_realtime_connections{transport="cable"} 1`,
		`inboxd_webhook_delivery_duration_seconds_count{dialect="chatwoot",result="success"} 1`,
		`inboxd_webhook_queue_depth{dialect="bookingsync"} 7`,
		`go_goroutines `,
		`process_resident_memory_bytes `,
	} {
		if !strings.Contains(string(body), want) {
			t.Fatalf("metrics lack %q:\n%s", want, body)
		}
	}
	done()
	rec = httptest.NewRecorder()
	metrics.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if body, _ := io.ReadAll(rec.Body); !strings.Contains(string(body), `inboxd_realtime_connections{transport="cable"} 0`) {
		t.Fatal("the connection gauge did not go back down when the connection closed")
	}
}

// Every inboxd metric the sample Grafana dashboard queries exists.
func TestDashboard(t *testing.T) {
	buf, err := os.ReadFile(filepath.Join("..", "..", "docs", "grafana-dashboard.json"))
	if err != nil {
		t.Fatal(err)
	}
	var dash map[string]any
	if err := json.Unmarshal(buf, &dash); err != nil {
		t.Fatalf("dashboard is not JSON: %v", err)
	}
	// Vectors appear once they have a series.
	metrics.ObserveTx(true, time.Millisecond, nil)
	metrics.ObserveRequest("GET /healthz", 200, time.Millisecond)
	metrics.WebhookDelivery("bookingsync", "success", time.Millisecond)
	metrics.SetWebhookQueueDepth("chatwoot", 0)
	metrics.RealtimeConnected("sse")()
	rec := httptest.NewRecorder()
	metrics.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	exposed := map[string]bool{}
	for _, line := range strings.Split(rec.Body.String(), "\n") {
		if name, ok := strings.CutPrefix(line, "# TYPE "); ok {
			exposed[strings.Fields(name)[0]] = true
		}
	}
	used := regexp.MustCompile(`\b(inboxd|process|go)_[a-z_]+`).FindAllString(string(buf), -1)
	if len(used) < 10 {
		t.Fatalf("the dashboard queries only %d metrics", len(used))
	}
	for _, name := range used {
		base := name
		for _, suffix := range []string{"_bucket", "_sum", "_count"} {
			if b, ok := strings.CutSuffix(name, suffix); ok && exposed[b] {
				base = b
			}
		}
		if !exposed[base] {
			t.Errorf("the dashboard queries %s, which inboxd does not expose", name)
		}
	}
}
